using System.Device.Gpio;
using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Alarm;

/// <summary>A local alarm output: a relay, a stack light, a buzzer. On while a warning/critical event is open.</summary>
public interface IAlarmOutput : IDisposable
{
    bool IsEnabled { get; }

    void Set(bool on);
}

/// <summary>Typed options for the alarm output (section "Alarm").</summary>
public sealed class AlarmOptions
{
    /// <summary>GPIO line number (BCM numbering on a Raspberry Pi); null disables the output.</summary>
    public int? GpioPin { get; set; }

    /// <summary>Drive the pin low for "alarm on" (relay boards are often active-low).</summary>
    public bool ActiveLow { get; set; }

    /// <summary>GPIO chip number (/dev/gpiochipN); the default suits a Raspberry Pi 4. A Pi 5 uses 4.</summary>
    public int GpioChip { get; set; }

    public IEnumerable<string> Validate()
    {
        if (GpioPin is < 0 or > 1023)
        {
            yield return "Alarm:GpioPin must be 0..1023 or absent";
        }
        if (GpioChip is < 0 or > 64)
        {
            yield return "Alarm:GpioChip must be 0..64";
        }
    }
}

/// <summary>Drives a GPIO line through System.Device.Gpio (libgpiod or sysfs, whichever the board has).</summary>
public sealed class GpioAlarmOutput : IAlarmOutput
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeLow;

    private GpioAlarmOutput(GpioController controller, int pin, bool activeLow)
    {
        _controller = controller;
        _pin = pin;
        _activeLow = activeLow;
    }

    public bool IsEnabled => true;

    /// <summary>
    /// Opens the configured pin, or returns a disabled output (with one log line) on a machine without
    /// GPIO or without a configured pin, so the gateway runs the same everywhere.
    /// </summary>
    public static IAlarmOutput Open(AlarmOptions options, ILogger logger)
    {
        if (options.GpioPin is not { } pin)
        {
            AlarmLog.Disabled(logger, "no Alarm:GpioPin configured");
            return new DisabledAlarmOutput();
        }
        var chipPath = $"/dev/gpiochip{options.GpioChip}";
        if (!File.Exists(chipPath) && !Directory.Exists("/sys/class/gpio"))
        {
            AlarmLog.Disabled(logger, $"{chipPath} not present on this machine");
            return new DisabledAlarmOutput();
        }
        try
        {
            var controller = new GpioController();
            controller.OpenPin(pin, PinMode.Output);
            var output = new GpioAlarmOutput(controller, pin, options.ActiveLow);
            output.Set(false);
            AlarmLog.Enabled(logger, pin, options.ActiveLow);
            return output;
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            AlarmLog.Disabled(logger, $"GPIO pin {pin} could not be opened: {ex.Message}");
            return new DisabledAlarmOutput();
        }
    }

    public void Set(bool on) => _controller.Write(_pin, on ^ _activeLow ? PinValue.High : PinValue.Low);

    public void Dispose()
    {
        try
        {
            Set(false);
        }
        finally
        {
            _controller.Dispose();
        }
    }
}

public sealed class DisabledAlarmOutput : IAlarmOutput
{
    public bool IsEnabled => false;

    public void Set(bool on)
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>Switches the output only on a change of "any alarm open", so the pin is not rewritten per event.</summary>
public sealed class AlarmController(IAlarmOutput output)
{
    private bool? _state;

    public bool IsOn => _state == true;

    public long Transitions { get; private set; }

    public void Update(int openAlarmCount)
    {
        var on = openAlarmCount > 0;
        if (_state == on)
        {
            return;
        }
        output.Set(on);
        _state = on;
        Transitions++;
    }
}

internal static partial class AlarmLog
{
    [LoggerMessage(EventId = LogEventIds.Alarm.Disabled, Level = LogLevel.Information, Message = "Alarm output disabled: {Reason}")]
    public static partial void Disabled(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.Alarm.Enabled, Level = LogLevel.Information, Message = "Alarm output on GPIO {Pin} (active-low: {ActiveLow})")]
    public static partial void Enabled(ILogger logger, int pin, bool activeLow);
}
