using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using EdgeAnomaly.Core.Readings;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Devices.Gpio;

/// <summary>The input pins as the reader needs them; <see cref="GpioControllerPins"/> on a board, a script in tests.</summary>
public interface IGpioInputPins : IDisposable
{
    /// <summary>Opens a pin as an input; throws when the pin cannot be used.</summary>
    void OpenInput(int chip, int pin, PinMode mode);

    /// <summary>True when the pin is high.</summary>
    bool Read(int chip, int pin);
}

/// <summary>System.Device.Gpio: one controller per GPIO chip (libgpiod where available).</summary>
public sealed class GpioControllerPins : IGpioInputPins
{
    private readonly Dictionary<int, GpioController> _controllers = [];

    /// <summary>Why this machine has no usable GPIO for <paramref name="chip"/>, or null when it may have.</summary>
    public static string? Unavailable(int chip) =>
        File.Exists($"/dev/gpiochip{chip}") || (chip == 0 && Directory.Exists("/sys/class/gpio"))
            ? null
            : $"/dev/gpiochip{chip} not present on this machine";

    public void OpenInput(int chip, int pin, PinMode mode) => Controller(chip).OpenPin(pin, mode);

    public bool Read(int chip, int pin) => _controllers[chip].Read(pin) == PinValue.High;

    private GpioController Controller(int chip)
    {
        if (!_controllers.TryGetValue(chip, out var controller))
        {
            try
            {
#pragma warning disable CA2000 // The controller owns the driver and disposes it; Dispose below disposes the controllers.
                controller = new GpioController(new LibGpiodDriver(chip));
#pragma warning restore CA2000
            }
            catch (Exception ex) when (chip == 0 && ex is DllNotFoundException or PlatformNotSupportedException or IOException or TypeInitializationException or EntryPointNotFoundException)
            {
                controller = new GpioController(); // no libgpiod: let the library pick (sysfs)
            }
            _controllers[chip] = controller;
        }
        return controller;
    }

    public void Dispose()
    {
        foreach (var c in _controllers.Values)
        {
            c.Dispose();
        }
        _controllers.Clear();
    }
}

/// <summary>Status of one GPIO input for health.</summary>
public sealed record GpioInputStatus(string Name, int Pin, bool Enabled, bool? Level, long Changes, long ReadErrors);

/// <summary>
/// Samples digital inputs every poll interval, debounces them and reports each as a tag with value 1 (active) or 0:
/// at once on every debounced change, and again every ReportInterval so a quiet input still shows as alive. On a
/// machine without GPIO the reader is disabled with one log line and returns.
/// </summary>
public sealed class GpioInputReader
{
    private readonly Input[] _inputs;
    private readonly IReadingSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IGpioInputPins? _pins;
    private readonly Reading[] _batch;
    private bool _disabled;

    private sealed class Input(GpioInputOptions options, int tagId, PinMode mode)
    {
        public GpioInputOptions Options { get; } = options;
        public int TagId { get; } = tagId;
        public PinMode Mode { get; } = mode;
        public Debouncer Debouncer { get; } = new(options.Debounce);
        public LogThrottle Log { get; } = new();
        public bool Enabled { get; set; }
        public long NextSampleTicks { get; set; }
        public long LastReportTicks { get; set; }
        public long Changes;
        public long ReadErrors;
    }

    /// <param name="inputs">The inputs (already validated with <see cref="DevicesOptions.Validate"/>).</param>
    /// <param name="resolveTag">Tag id of (asset, tag).</param>
    /// <param name="sink">Where readings go.</param>
    /// <param name="time">Clock for sampling and timestamps.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="pins">The pins; null uses System.Device.Gpio when the machine has GPIO.</param>
    public GpioInputReader(IReadOnlyList<GpioInputOptions> inputs, Func<string, string, int?> resolveTag, IReadingSink sink,
        TimeProvider time, ILogger logger, IGpioInputPins? pins = null)
    {
        var errors = new List<string>();
        _inputs = new Input[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var o = inputs[i];
            var key = $"{DevicesOptions.Section}:Gpio:{i}";
            errors.AddRange(GpioInputValidation.Validate(o, key, resolveTag));
            var mode = GpioInputValidation.TryParsePull(o.Pull, out var m) ? m : PinMode.Input;
            _inputs[i] = new Input(o, resolveTag(o.Asset, o.ResolvedTag()) ?? -1, mode);
        }
        if (errors.Count > 0)
        {
            throw new DevicesConfigException(errors);
        }
        _sink = sink;
        _time = time;
        _logger = logger;
        _pins = pins;
        _batch = new Reading[Math.Max(1, inputs.Count)];
    }

    public IReadOnlyList<GpioInputStatus> GetStatus()
    {
        var status = new GpioInputStatus[_inputs.Length];
        for (var i = 0; i < _inputs.Length; i++)
        {
            var input = _inputs[i];
            status[i] = new GpioInputStatus(input.Options.Name, input.Options.Pin, input.Enabled && !_disabled,
                input.Debouncer.Stable, Interlocked.Read(ref input.Changes), Interlocked.Read(ref input.ReadErrors));
        }
        return status;
    }

    /// <summary>Samples until <paramref name="ct"/> is cancelled; returns at once when there is nothing to read.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_inputs.Length == 0)
        {
            return;
        }
        var pins = _pins;
        if (pins is null)
        {
            var reason = GpioControllerPins.Unavailable(_inputs[0].Options.Chip);
            if (reason is not null)
            {
                _disabled = true;
                DevicesLog.GpioDisabled(_logger, reason);
                return;
            }
#pragma warning disable CA2000 // Disposed in the finally below, which disposes the pins this method created.
            pins = new GpioControllerPins();
#pragma warning restore CA2000
        }
        try
        {
            await SampleAsync(pins, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (_pins is null)
            {
                pins.Dispose();
            }
        }
    }

    private async Task SampleAsync(IGpioInputPins pins, CancellationToken ct)
    {
        var any = false;
        var tick = TimeSpan.MaxValue;
        foreach (var input in _inputs)
        {
            try
            {
                pins.OpenInput(input.Options.Chip, input.Options.Pin, input.Mode);
                input.Enabled = true;
                any = true;
                tick = input.Options.PollInterval < tick ? input.Options.PollInterval : tick;
                DevicesLog.GpioOpened(_logger, input.Options.Name, input.Options.Pin, input.Options.ActiveLow, input.Options.Debounce.TotalMilliseconds);
            }
            catch (Exception ex) when (IsPinFault(ex))
            {
                DevicesLog.GpioFailed(_logger, input.Options.Name, input.Options.Pin, ex.Message, 0);
            }
        }
        if (!any)
        {
            _disabled = true;
            DevicesLog.GpioDisabled(_logger, "no configured input pin could be opened");
            return;
        }
        var epoch = _time.GetTimestamp();
        using var timer = new PeriodicTimer(tick, _time);
        do
        {
            var now = _time.GetElapsedTime(epoch).Ticks;
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var count = 0;
            foreach (var input in _inputs)
            {
                if (input.Enabled && now >= input.NextSampleTicks && Sample(pins, input, now, nowMs, out var reading))
                {
                    _batch[count++] = reading;
                }
            }
            if (count > 0)
            {
                await _sink.WriteAsync(new ReadingBatch("gpio", _batch.AsMemory(0, count)), ct);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private bool Sample(IGpioInputPins pins, Input input, long now, long nowMs, out Reading reading)
    {
        reading = default;
        var o = input.Options;
        input.NextSampleTicks = now + o.PollInterval.Ticks - (TimeSpan.TicksPerMillisecond / 2); // half a ms of slack for timer jitter
        bool high;
        try
        {
            high = pins.Read(o.Chip, o.Pin);
        }
        catch (Exception ex) when (IsPinFault(ex))
        {
            Interlocked.Increment(ref input.ReadErrors);
            if (input.Log.ShouldLog(nowMs, out var suppressed))
            {
                DevicesLog.GpioFailed(_logger, o.Name, o.Pin, ex.Message, suppressed);
            }
            return false;
        }
        var active = high != o.ActiveLow;
        var changed = input.Debouncer.Update(now, active);
        if (changed)
        {
            Interlocked.Increment(ref input.Changes);
        }
        var due = o.ReportInterval > TimeSpan.Zero && input.Debouncer.Stable is not null && now - input.LastReportTicks >= o.ReportInterval.Ticks;
        if (!changed && !due)
        {
            return false;
        }
        input.LastReportTicks = now;
        reading = new Reading(input.TagId, nowMs, input.Debouncer.Stable == true ? 1 : 0, ReadingQuality.Good);
        return true;
    }

    private static bool IsPinFault(Exception ex) =>
        ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException
            or PlatformNotSupportedException or DllNotFoundException or TypeInitializationException or NotSupportedException;
}
