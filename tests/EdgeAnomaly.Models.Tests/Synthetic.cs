namespace EdgeAnomaly.Models.Tests;

/// <summary>Seeded synthetic data for the model tests.</summary>
internal static class Synthetic
{
    public static double Gaussian(Random random)
    {
        // Box-Muller; 1 - U keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public static double[][] GaussianRows(Random random, int n, int d, double mean = 0, double sd = 1)
    {
        var rows = new double[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new double[d];
            for (var j = 0; j < d; j++)
            {
                rows[i][j] = mean + sd * Gaussian(random);
            }
        }
        return rows;
    }

    /// <summary>Blobs centred at the given points with the given spread, rows in blob order.</summary>
    public static double[][] Blobs(Random random, double[][] centres, int perBlob, double sd)
    {
        var rows = new List<double[]>();
        foreach (var centre in centres)
        {
            for (var i = 0; i < perBlob; i++)
            {
                var row = new double[centre.Length];
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] = centre[j] + sd * Gaussian(random);
                }
                rows.Add(row);
            }
        }
        return rows.ToArray();
    }

    /// <summary>GPD(xi, sigma) by inversion: sigma/xi ((1-U)^-xi - 1), or -sigma ln(1-U) for xi = 0.</summary>
    public static double Gpd(Random random, double xi, double sigma)
    {
        var u = random.NextDouble();
        return xi == 0 ? -sigma * Math.Log(1 - u) : sigma / xi * (Math.Pow(1 - u, -xi) - 1);
    }
}
