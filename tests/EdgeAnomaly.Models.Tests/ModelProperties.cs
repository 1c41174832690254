using EdgeAnomaly.Models.Drift;
using EdgeAnomaly.Models.Evaluation;
using EdgeAnomaly.Models.Forest;
using EdgeAnomaly.Models.Scaling;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeAnomaly.Models.Tests;

/// <summary>Properties over random inputs (FsCheck); each case derives its data from a generated seed.</summary>
public class ModelProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(100);

    /// <summary>Rows with a random mix of continuous, few-valued and constant columns, from a seed.</summary>
    private static double[][] Rows(int seed, int n, int d)
    {
        var random = new Random(seed);
        var kinds = Enumerable.Range(0, d).Select(_ => random.Next(3)).ToArray();
        return Enumerable.Range(0, n).Select(_ => kinds.Select(k => k switch
        {
            0 => 100 * Synthetic.Gaussian(random),
            1 => random.Next(3),
            _ => 7.0,
        }).ToArray()).ToArray();
    }

    private static Gen<(int Seed, int N, int D)> Shapes =>
        Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Zip(Gen.Choose(2, 80), Gen.Choose(1, 5))).Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2));

    [Fact]
    public void IsolationForest_AnyData_ScoresInUnitInterval_SameAfterWriteRead() =>
        Prop.ForAll(Arb.From(Shapes), shape =>
        {
            var rows = Rows(shape.Seed, shape.N, shape.D);
            var forest = IsolationForest.Train(rows, new IsolationForestOptions { Trees = 5, SubsampleSize = 32, Seed = shape.Seed });
            var copy = ModelIo.Read(ModelIo.Bytes(forest.Write), IsolationForest.Read);
            var probes = rows.Concat(Rows(shape.Seed + 1, 10, shape.D)).ToArray();
            return probes.All(p =>
            {
                var s = forest.Score(p);
                return s > 0 && s < 1 && s == copy.Score(p);
            });
        }).Check(Runs);

    [Fact]
    public void RobustScaler_AnyData_MapsTheMedianToZero_AndConstantColumnsToZero() =>
        Prop.ForAll(Arb.From(Shapes), shape =>
        {
            var rows = Rows(shape.Seed, shape.N, shape.D);
            var scaler = RobustScaler.Fit(rows);
            var atMedian = new double[shape.D];
            scaler.Transform(scaler.Centres, atMedian);
            var constant = scaler.ConstantColumns;
            var shifted = new double[shape.D];
            scaler.Transform(rows[0].Select(v => v + 1000).ToArray(), shifted);
            return atMedian.All(v => v == 0)
                && Enumerable.Range(0, shape.D).All(j => constant[j] ? shifted[j] == 0 : shifted[j] != 0);
        }).Check(Runs);

    private static Gen<double[]> Shares(int bins) =>
        Gen.ArrayOf(Gen.Choose(0, 1000), bins).Select(counts =>
        {
            var total = Math.Max(1, counts.Sum());
            return counts.Select(c => (double)c / total).ToArray();
        });

    [Fact]
    public void Psi_IsNonNegative_AndZeroForIdenticalShares() =>
        Prop.ForAll(Arb.From(Gen.Zip(Shares(6), Shares(6))), pair =>
            Psi.Compute(pair.Item1, pair.Item2) >= 0 && Psi.Compute(pair.Item1, pair.Item1) == 0).Check(Runs);

    [Fact]
    public void RocAuc_NegatedScores_GiveTheComplement() =>
        Prop.ForAll(Arb.From(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(2, 60))), t =>
        {
            var random = new Random(t.Item1);
            var scores = Enumerable.Range(0, t.Item2).Select(_ => (double)random.Next(10)).ToArray();
            var labels = Enumerable.Range(0, t.Item2).Select(i => i == 0 || (i != 1 && random.Next(2) == 0)).ToArray();
            var auc = RocAuc.Compute(scores, labels);
            var flipped = RocAuc.Compute(scores.Select(s => -s).ToArray(), labels);
            return auc >= 0 && auc <= 1 && Math.Abs(auc + flipped - 1) < 1e-12;
        }).Check(Runs);
}
