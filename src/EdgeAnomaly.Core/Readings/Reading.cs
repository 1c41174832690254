using System.Runtime.InteropServices;

namespace EdgeAnomaly.Core.Readings;

/// <summary>How far a reading can be trusted (OPC-UA style, reduced to what a gateway needs).</summary>
public enum ReadingQuality : byte
{
    Good = 0,
    Uncertain = 1,
    Bad = 2,
}

/// <summary>
/// One sample of one tag. A 24-byte value type: readings travel in spans and arrays, never boxed.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct Reading(int TagId, long TimestampMs, double Value, ReadingQuality Quality = ReadingQuality.Good);
