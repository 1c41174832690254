namespace EdgeAnomaly.FirmwareSim.Signals;

/// <summary>
/// Small seeded generator (xoshiro256**, seeded through splitmix64). Our own rather than System.Random so
/// sequences are stable across runtime versions and each tag/asset gets an independent stream, which keeps
/// data outside a fault window identical to a fault-free run with the same seed.
/// </summary>
public sealed class SimRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    public SimRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for (seed, stream, substream): mixes the parts so nearby ids do not correlate.</summary>
    public static SimRandom For(long seed, int stream, int substream = 0)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL);
        x ^= unchecked((ulong)(uint)stream * 0xBF58476D1CE4E5B9UL + 0x632BE59BD9B4E019UL);
        var mixed = SplitMix(ref x);
        x = mixed ^ unchecked((ulong)(uint)substream * 0x94D049BB133111EBUL + 0x2545F4914F6CDD1DUL);
        return new SimRandom(SplitMix(ref x));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    /// <summary>Standard normal (Box-Muller, second value kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Exponential with the given mean (inter-arrival time of a Poisson process).</summary>
    public double NextExponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
