using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Forest;

/// <summary>
/// Isolation Forest (Liu, Ting and Zhou 2008). Structure: each tree is an implicit binary heap (children of node i at
/// 2i+1 and 2i+2) in two flat arrays shared by all trees, a 16-bit code and a float32 per node. A code below
/// <see cref="Dimensions"/> is an internal node splitting on that feature at the float value (x &lt; split goes left);
/// a code of Dimensions + n is a leaf that held n training rows, its float the path length depth + c(n). For scoring
/// every tree is also kept completed to a full heap of depth <see cref="HeightLimit"/> (see the scoring fields), so a
/// traversal is a fixed number of branch-free steps. Scoring is read-only and allocation-free: one instance may score
/// from several threads.
/// </summary>
public sealed class IsolationForest
{
    public const int MaxTrees = 10_000;
    public const int MaxSubsampleSize = 32_768;
    public const int MaxDimensions = 16_384;

    /// <summary>Cap on trees x heap slots (about 400 MB), so a corrupt header cannot make Read allocate without bound.</summary>
    public const int MaxTotalNodes = 1 << 26;
    private const string Section = "IFOR";
    private const int Block = 8;   // rows per pass in ScoreMany (TotalPathLengthBlock is written out for 8)
    private const double EulerGamma = 0.5772156649015329;

    // Tree structure (training, Write): implicit heap per tree, code and float per slot as described above.
    private readonly ushort[] _codes;
    private readonly float[] _values;
    private readonly int _nodesPerTree;
    private readonly double _pathNormaliser;

    // Scoring layout derived from the structure: every tree completed to a full heap of depth HeightLimit. A leaf above
    // the limit becomes pass-through nodes (feature 0, any split) whose bottom slots all carry its path length, so a
    // traversal is exactly HeightLimit branch-free steps and the traversals of different trees overlap in the CPU.
    private readonly ushort[] _splitFeatures;   // trees x (2^L - 1)
    private readonly float[] _splitValues;      // trees x (2^L - 1)
    private readonly float[] _bottomPaths;      // trees x 2^L
    private readonly int _internalPerTree;
    private readonly int _bottomPerTree;

    private IsolationForest(int dimensions, int trees, int sampleSize, ushort[] codes, float[] values)
    {
        Dimensions = dimensions;
        Trees = trees;
        SampleSize = sampleSize;
        HeightLimit = HeightLimitFor(sampleSize);
        _nodesPerTree = (1 << (HeightLimit + 1)) - 1;
        _codes = codes;
        _values = values;
        _pathNormaliser = AveragePathLength(sampleSize);
        _internalPerTree = (1 << HeightLimit) - 1;
        _bottomPerTree = 1 << HeightLimit;
        _splitFeatures = new ushort[_internalPerTree * trees];
        _splitValues = new float[_internalPerTree * trees];
        _bottomPaths = new float[_bottomPerTree * trees];
        for (var t = 0; t < trees; t++)
        {
            Complete(t, 0, 0);
        }
    }

    private void Complete(int tree, int node, int depth)
    {
        var code = _codes[tree * _nodesPerTree + node];
        var value = _values[tree * _nodesPerTree + node];
        if (code < Dimensions)
        {
            _splitFeatures[tree * _internalPerTree + node] = code;
            _splitValues[tree * _internalPerTree + node] = value;
            Complete(tree, 2 * node + 1, depth + 1);
            Complete(tree, 2 * node + 2, depth + 1);
            return;
        }
        // A leaf at depth d covers the heap slots below it: bottom slots [first, first + 2^(L-d)).
        var span = 1 << (HeightLimit - depth);
        var first = ((node + 1) << (HeightLimit - depth)) - 1 - _internalPerTree;
        _bottomPaths.AsSpan(tree * _bottomPerTree + first, span).Fill(value);
    }

    /// <summary>Number of features a sample must have.</summary>
    public int Dimensions { get; }

    public int Trees { get; }

    /// <summary>Rows per tree actually used (psi = min(SubsampleSize, training rows)).</summary>
    public int SampleSize { get; }

    /// <summary>Depth limit ceil(log2 psi).</summary>
    public int HeightLimit { get; }

    /// <summary>
    /// c(n): the average path length of an unsuccessful search in a binary search tree of n nodes,
    /// 2H(n-1) - 2(n-1)/n with H(i) ≈ ln(i) + γ; c(0) = c(1) = 0, c(2) = 1.
    /// </summary>
    public static double AveragePathLength(int n)
    {
        if (n <= 1)
        {
            return 0;
        }
        if (n == 2)
        {
            return 1;
        }
        return 2.0 * (Math.Log(n - 1) + EulerGamma) - 2.0 * (n - 1) / n;
    }

    private static int HeightLimitFor(int sampleSize) => (int)Math.Ceiling(Math.Log2(sampleSize));

    /// <summary>Trains on rows (N x D, finite values). Deterministic for a given seed.</summary>
    public static IsolationForest Train(double[][] rows, IsolationForestOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var dimensions = TrainingData.Validate(rows, nameof(rows));
        if (dimensions > MaxDimensions)
        {
            throw new ArgumentException($"Isolation Forest supports at most {MaxDimensions} features (rows have {dimensions}).", nameof(rows));
        }

        var sampleSize = Math.Min(options.SubsampleSize, rows.Length);
        if (sampleSize < 2)
        {
            throw new ArgumentException("Isolation Forest needs at least 2 training rows.", nameof(rows));
        }
        var height = HeightLimitFor(sampleSize);
        var nodesPerTree = (1 << (height + 1)) - 1;
        if ((long)nodesPerTree * options.Trees > MaxTotalNodes)
        {
            throw new ArgumentException($"IsolationForestOptions: Trees x heap size ({options.Trees} x {nodesPerTree}) exceeds {MaxTotalNodes} nodes.");
        }
        var codes = new ushort[nodesPerTree * options.Trees];
        var values = new float[codes.Length];
        var builder = new TreeBuilder(rows, dimensions, height, new Random(options.Seed));
        var pool = new int[rows.Length];
        for (var i = 0; i < pool.Length; i++)
        {
            pool[i] = i;
        }
        var sample = new int[sampleSize];
        for (var t = 0; t < options.Trees; t++)
        {
            // Partial Fisher-Yates: the first sampleSize slots become a uniform sample without replacement. Continuing
            // from the previous tree's permutation keeps each draw uniform.
            for (var i = 0; i < sampleSize; i++)
            {
                var j = i + builder.Random.Next(pool.Length - i);
                (pool[i], pool[j]) = (pool[j], pool[i]);
                sample[i] = pool[i];
            }
            builder.Build(codes.AsSpan(t * nodesPerTree, nodesPerTree), values.AsSpan(t * nodesPerTree, nodesPerTree), sample);
        }
        return new IsolationForest(dimensions, options.Trees, sampleSize, codes, values);
    }

    /// <summary>Anomaly score 2^(-E[h(x)]/c(psi)) in (0, 1); about 0.5 or less is normal, close to 1 is anomalous.</summary>
    public double Score(ReadOnlySpan<double> x)
    {
        if (x.Length != Dimensions)
        {
            throw new ArgumentException($"Sample has {x.Length} features, the forest expects {Dimensions}.", nameof(x));
        }
        var normaliser = Trees * _pathNormaliser;
        return Math.Pow(2.0, -TotalPathLength(x) / normaliser);
    }

    /// <summary>Mean path length E[h(x)] over the trees (the quantity the score normalises).</summary>
    public double MeanPathLength(ReadOnlySpan<double> x)
    {
        if (x.Length != Dimensions)
        {
            throw new ArgumentException($"Sample has {x.Length} features, the forest expects {Dimensions}.", nameof(x));
        }
        return TotalPathLength(x) / Trees;
    }

    /// <summary>
    /// Scores rows laid out one after another in <paramref name="rowMajor"/> (length = scores.Length x D). Eight rows
    /// go through each tree together, so eight independent traversals overlap in the CPU (about 1.6x the rows per second
    /// of four, 3x of one at a time); results equal <see cref="Score"/>.
    /// </summary>
    public void ScoreMany(ReadOnlySpan<double> rowMajor, Span<double> scores)
    {
        if (rowMajor.Length != scores.Length * Dimensions)
        {
            throw new ArgumentException($"Expected {scores.Length} x {Dimensions} values, got {rowMajor.Length}.", nameof(rowMajor));
        }
        var normaliser = Trees * _pathNormaliser;
        var i = 0;
        for (; i + Block <= scores.Length; i += Block)
        {
            TotalPathLengthBlock(rowMajor.Slice(i * Dimensions, Block * Dimensions), scores.Slice(i, Block));
            for (var k = i; k < i + Block; k++)
            {
                scores[k] = Math.Pow(2.0, -scores[k] / normaliser);
            }
        }
        for (; i < scores.Length; i++)
        {
            scores[i] = Math.Pow(2.0, -TotalPathLength(rowMajor.Slice(i * Dimensions, Dimensions)) / normaliser);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TotalPathLengthBlock(ReadOnlySpan<double> rows, Span<double> totals)
    {
        ref var feature0 = ref MemoryMarshal.GetArrayDataReference(_splitFeatures);
        ref var split0 = ref MemoryMarshal.GetArrayDataReference(_splitValues);
        ref var bottom0 = ref MemoryMarshal.GetArrayDataReference(_bottomPaths);
        ref var a0 = ref MemoryMarshal.GetReference(rows);
        ref var b0 = ref Unsafe.Add(ref a0, 1 * Dimensions);
        ref var c0 = ref Unsafe.Add(ref a0, 2 * Dimensions);
        ref var d0 = ref Unsafe.Add(ref a0, 3 * Dimensions);
        ref var e0 = ref Unsafe.Add(ref a0, 4 * Dimensions);
        ref var f0 = ref Unsafe.Add(ref a0, 5 * Dimensions);
        ref var g0 = ref Unsafe.Add(ref a0, 6 * Dimensions);
        ref var h0 = ref Unsafe.Add(ref a0, 7 * Dimensions);
        var height = HeightLimit;
        var internalPerTree = _internalPerTree;
        double ta = 0, tb = 0, tc = 0, td = 0, te = 0, tf = 0, tg = 0, th = 0;
        var treeBase = 0;
        var bottomBase = 0;
        for (var t = 0; t < Trees; t++, treeBase += internalPerTree, bottomBase += _bottomPerTree)
        {
            int na = 0, nb = 0, nc = 0, nd = 0, ne = 0, nf = 0, ng = 0, nh = 0;
            for (var level = 0; level < height; level++)
            {
                na = 2 * na + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref a0, Unsafe.Add(ref feature0, treeBase + na)) < Unsafe.Add(ref split0, treeBase + na));
                nb = 2 * nb + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref b0, Unsafe.Add(ref feature0, treeBase + nb)) < Unsafe.Add(ref split0, treeBase + nb));
                nc = 2 * nc + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref c0, Unsafe.Add(ref feature0, treeBase + nc)) < Unsafe.Add(ref split0, treeBase + nc));
                nd = 2 * nd + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref d0, Unsafe.Add(ref feature0, treeBase + nd)) < Unsafe.Add(ref split0, treeBase + nd));
                ne = 2 * ne + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref e0, Unsafe.Add(ref feature0, treeBase + ne)) < Unsafe.Add(ref split0, treeBase + ne));
                nf = 2 * nf + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref f0, Unsafe.Add(ref feature0, treeBase + nf)) < Unsafe.Add(ref split0, treeBase + nf));
                ng = 2 * ng + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref g0, Unsafe.Add(ref feature0, treeBase + ng)) < Unsafe.Add(ref split0, treeBase + ng));
                nh = 2 * nh + 2 - Unsafe.BitCast<bool, byte>(Unsafe.Add(ref h0, Unsafe.Add(ref feature0, treeBase + nh)) < Unsafe.Add(ref split0, treeBase + nh));
            }
            var bottom = bottomBase - internalPerTree;
            ta += Unsafe.Add(ref bottom0, bottom + na);
            tb += Unsafe.Add(ref bottom0, bottom + nb);
            tc += Unsafe.Add(ref bottom0, bottom + nc);
            td += Unsafe.Add(ref bottom0, bottom + nd);
            te += Unsafe.Add(ref bottom0, bottom + ne);
            tf += Unsafe.Add(ref bottom0, bottom + nf);
            tg += Unsafe.Add(ref bottom0, bottom + ng);
            th += Unsafe.Add(ref bottom0, bottom + nh);
        }
        totals[0] = ta;
        totals[1] = tb;
        totals[2] = tc;
        totals[3] = td;
        totals[4] = te;
        totals[5] = tf;
        totals[6] = tg;
        totals[7] = th;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double TotalPathLength(ReadOnlySpan<double> x)
    {
        ref var feature0 = ref MemoryMarshal.GetArrayDataReference(_splitFeatures);
        ref var split0 = ref MemoryMarshal.GetArrayDataReference(_splitValues);
        ref var bottom0 = ref MemoryMarshal.GetArrayDataReference(_bottomPaths);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        var height = HeightLimit;
        var internalPerTree = _internalPerTree;
        double total = 0;
        var treeBase = 0;
        var bottomBase = 0;
        for (var t = 0; t < Trees; t++, treeBase += internalPerTree, bottomBase += _bottomPerTree)
        {
            // Bounds: features are < Dimensions (checked on training and on Read) and the heap index stays below
            // 2^L - 1 for L steps; the bottom index is then in [0, 2^L).
            var node = 0;
            for (var level = 0; level < height; level++)
            {
                var goesLeft = Unsafe.Add(ref x0, Unsafe.Add(ref feature0, treeBase + node)) < Unsafe.Add(ref split0, treeBase + node);
                node = 2 * node + 2 - Unsafe.BitCast<bool, byte>(goesLeft);
            }
            total += Unsafe.Add(ref bottom0, bottomBase + node - internalPerTree);
        }
        return total;
    }

    /// <summary>
    /// Writes the forest compactly: per tree the pre-order node list, 2 bytes per node (code) plus 4 bytes per internal
    /// node (float split). Leaf path lengths are recomputed on read. About 2 KB per tree at psi = 256.
    /// </summary>
    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Dimensions);
        w.Write(Trees);
        w.Write(SampleSize);
        for (var t = 0; t < Trees; t++)
        {
            var start = t * _nodesPerTree;
            var codes = _codes.AsSpan(start, _nodesPerTree);
            w.Write((ushort)CountNodes(codes, 0));
            WritePreorder(w, codes, _values.AsSpan(start, _nodesPerTree), 0);
        }
    }

    private int CountNodes(ReadOnlySpan<ushort> codes, int node) =>
        codes[node] >= Dimensions ? 1 : 1 + CountNodes(codes, 2 * node + 1) + CountNodes(codes, 2 * node + 2);

    private void WritePreorder(BinaryWriter w, ReadOnlySpan<ushort> codes, ReadOnlySpan<float> values, int node)
    {
        w.Write(codes[node]);
        if (codes[node] < Dimensions)
        {
            w.Write(values[node]);
            WritePreorder(w, codes, values, 2 * node + 1);
            WritePreorder(w, codes, values, 2 * node + 2);
        }
    }

    /// <summary>Reads and validates what <see cref="Write"/> wrote; throws <see cref="InvalidDataException"/> if corrupt.</summary>
    public static IsolationForest Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var dimensions = ModelBinary.ReadInt(r, Section, "dimensions", 1, MaxDimensions);
        var trees = ModelBinary.ReadInt(r, Section, "trees", 1, MaxTrees);
        var sampleSize = ModelBinary.ReadInt(r, Section, "sample size", 2, MaxSubsampleSize);
        var height = HeightLimitFor(sampleSize);
        var nodesPerTree = (1 << (height + 1)) - 1;
        if ((long)nodesPerTree * trees > MaxTotalNodes)
        {
            throw new InvalidDataException($"Model section '{Section}': {trees} trees x {nodesPerTree} heap slots exceed {MaxTotalNodes}.");
        }
        var codes = new ushort[nodesPerTree * trees];
        var values = new float[codes.Length];
        var reader = new TreeReader(r, dimensions, height);
        for (var t = 0; t < trees; t++)
        {
            var declared = r.ReadUInt16();
            if (declared < 1 || declared > 2 * sampleSize - 1)
            {
                throw new InvalidDataException($"Model section '{Section}': tree {t} declares {declared} nodes (psi = {sampleSize}).");
            }
            var (nodes, rowsInLeaves) = reader.Read(codes.AsSpan(t * nodesPerTree, nodesPerTree), values.AsSpan(t * nodesPerTree, nodesPerTree), 0, 0);
            if (nodes != declared)
            {
                throw new InvalidDataException($"Model section '{Section}': tree {t} has {nodes} nodes but declares {declared}.");
            }
            if (rowsInLeaves != sampleSize)
            {
                throw new InvalidDataException($"Model section '{Section}': the leaves of tree {t} hold {rowsInLeaves} rows, expected {sampleSize}.");
            }
        }
        return new IsolationForest(dimensions, trees, sampleSize, codes, values);
    });

    private sealed class TreeReader(BinaryReader r, int dimensions, int height)
    {
        public (int Nodes, int Rows) Read(Span<ushort> codes, Span<float> values, int node, int depth)
        {
            var code = r.ReadUInt16();
            codes[node] = code;
            if (code >= dimensions)
            {
                var size = code - dimensions;
                if (size < 1)
                {
                    throw new InvalidDataException($"Model section '{Section}': empty leaf at depth {depth}.");
                }
                values[node] = (float)(depth + AveragePathLength(size));
                return (1, size);
            }
            if (depth >= height)
            {
                throw new InvalidDataException($"Model section '{Section}': internal node below the height limit {height}.");
            }
            var split = r.ReadSingle();
            if (!float.IsFinite(split))
            {
                throw new InvalidDataException($"Model section '{Section}': split value is not finite.");
            }
            values[node] = split;
            var left = Read(codes, values, 2 * node + 1, depth + 1);
            var right = Read(codes, values, 2 * node + 2, depth + 1);
            return (1 + left.Nodes + right.Nodes, left.Rows + right.Rows);
        }
    }

    private sealed class TreeBuilder(double[][] rows, int dimensions, int height, Random random)
    {
        private readonly List<int> _splittable = new(dimensions);

        public Random Random => random;

        public void Build(Span<ushort> codes, Span<float> values, Span<int> sample) => Grow(codes, values, sample, 0, 0);

        private void Grow(Span<ushort> codes, Span<float> values, Span<int> members, int node, int depth)
        {
            if (depth >= height || members.Length <= 1 || !TryChooseSplit(members, out var feature, out var split))
            {
                codes[node] = (ushort)(dimensions + members.Length);
                values[node] = (float)(depth + AveragePathLength(members.Length));
                return;
            }
            codes[node] = (ushort)feature;
            values[node] = split;
            var left = Partition(members, feature, split);
            Grow(codes, values, members[..left], 2 * node + 1, depth + 1);
            Grow(codes, values, members[left..], 2 * node + 2, depth + 1);
        }

        /// <summary>
        /// A random feature, and a split drawn uniformly between its min and max in this node. If the drawn feature
        /// cannot split the node (constant here), one is drawn among those that can; none left makes a leaf.
        /// </summary>
        private bool TryChooseSplit(ReadOnlySpan<int> members, out int feature, out float split)
        {
            feature = random.Next(dimensions);
            if (TrySplitValue(members, feature, out split))
            {
                return true;
            }
            _splittable.Clear();
            for (var f = 0; f < dimensions; f++)
            {
                if (f != feature && TrySplitValue(members, f, out _))
                {
                    _splittable.Add(f);
                }
            }
            if (_splittable.Count == 0)
            {
                return false;
            }
            feature = _splittable[random.Next(_splittable.Count)];
            return TrySplitValue(members, feature, out split);
        }

        /// <summary>A float32 split with min &lt; split &lt;= max so both sides get rows; false if none exists.</summary>
        private bool TrySplitValue(ReadOnlySpan<int> members, int feature, out float split)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var m in members)
            {
                var v = rows[m][feature];
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            split = 0;
            var lowest = (float)min;
            if (lowest <= min)
            {
                lowest = MathF.BitIncrement(lowest);
            }
            if (!(lowest <= max))
            {
                return false;   // no float strictly above min and not above max: the feature cannot split this node
            }
            split = (float)(min + random.NextDouble() * (max - min));
            if (split <= min || split > max)
            {
                split = lowest;
            }
            return true;
        }

        private int Partition(Span<int> members, int feature, float split)
        {
            var i = 0;
            var j = members.Length - 1;
            while (i <= j)
            {
                if (rows[members[i]][feature] < split)
                {
                    i++;
                }
                else
                {
                    (members[i], members[j]) = (members[j], members[i]);
                    j--;
                }
            }
            return i;
        }
    }
}
