using System.Threading.Channels;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Uplink;

/// <summary>
/// Sends committed event revisions upstream: reads the outbox in seq order, publishes each stored payload with
/// QoS 1 on one connection with up to <see cref="UplinkOptions.MaxInflight"/> awaiting PUBACK, and deletes rows
/// (MarkDeliveredRange, off the publish loop) only up to the first row not yet acknowledged — the checkpoint never passes a failure.
/// On a failure or disconnect it stops, waits for the uplink to reconnect, and starts again from the first
/// unacknowledged row, so a revision may be sent twice (consumers dedupe on id + rev) but never lost, and per
/// asset the replay after an outage is again in commit order.
/// </summary>
public sealed class EventForwarder
{
    private const int ReadBatch = 2000;
    private const int MarkBatch = 2000;
    private const int MaxCachedTopics = 4096;

    private readonly IEventOutbox _outbox;
    private readonly UplinkClient _uplink;
    private readonly GatewayCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Dictionary<string, string> _topics = new(StringComparer.Ordinal);
    private readonly TimeSpan _markInterval = TimeSpan.FromMilliseconds(50);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, // a pending wake-up already covers this one
        SingleReader = true,
    });

    public EventForwarder(IEventOutbox outbox, UplinkClient uplink, GatewayCounters counters, TimeProvider? time = null, ILogger<EventForwarder>? log = null)
    {
        _outbox = outbox;
        _uplink = uplink;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _log = log ?? (ILogger)NullLogger.Instance;
        // A link change ends an idle wait at once: a lost link is noticed, a regained one drained.
        uplink.StateChanged += _ => Notify();
    }

    /// <summary>Fallback poll when no <see cref="Notify"/> arrives.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Revisions acknowledged by the broker since start.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    private long _forwarded;

    /// <summary>Wakes the forwarder right after the pipeline committed revisions (cheap, never blocks).</summary>
    public void Notify() => _wake.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _uplink.WaitConnectedAsync(ct);
                await PumpAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            // A failed pump already logged; wait for the link to drop and come back (or a short pause if it did not).
            try
            {
                await WaitForLinkChangeAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WaitForLinkChangeAsync(CancellationToken ct)
    {
        if (!_uplink.IsConnected)
        {
            return; // RunAsync's loop waits for the reconnect
        }
        // Still connected after a failed publish (e.g. a broker-side refusal): retry after the poll interval.
        await Task.Delay(PollInterval, _time, ct);
    }

    /// <summary>Publishes until a failure or a lost link (returns) or cancellation (throws).</summary>
    private async Task PumpAsync(CancellationToken ct)
    {
        // Per connection: never more in flight than the broker's CONNACK Receive Maximum allows.
        var maxInflight = _uplink.EventInflightLimit;
        var window = new Queue<(long Seq, PendingPublish Ack)>(maxInflight);
        IReadOnlyList<OutboxEntry> page = [];
        var next = 0; // index in page of the next row to publish
        var acked = new AckedRange();
        var marking = Task.CompletedTask;
        var lastMark = _time.GetTimestamp();
        var afterSeq = 0L; // only unacknowledged rows are left in the outbox: start at the first of them
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var readRows = 0;
                if (next == page.Count)
                {
                    // Reads ahead of the acknowledgements in big pages (one query each); the checkpoint lags behind safely.
                    page = _outbox.ReadPendingOutbox(afterSeq, ReadBatch);
                    next = 0;
                    readRows = page.Count;
                    if (readRows > 0)
                    {
                        afterSeq = page[readRows - 1].Seq;
                    }
                }
                while (next < page.Count && window.Count < maxInflight)
                {
                    var row = page[next++];
                    window.Enqueue((row.Seq, _uplink.StartPublish(TopicFor(row.Asset), row.Payload, MqttQualityOfServiceLevel.AtLeastOnce, retain: false, ct)));
                }

                // Wait for the oldest publish when the window is full or nothing else is ready; otherwise only
                // collect what has already completed. Acknowledgements are taken strictly in seq order.
                var mustWait = window.Count >= maxInflight || (next == page.Count && window.Count > 0);
                while (window.Count > 0 && (mustWait || window.Peek().Ack.IsCompleted))
                {
                    mustWait = false;
                    var (seq, ack) = window.Dequeue();
                    if (!ack.IsCompleted)
                    {
                        await ack.WhenCompleted();
                    }
                    var outcome = ack.Outcome;
                    if (!outcome.Success)
                    {
                        Log.ForwardFailed(_log, seq, outcome.Error ?? "failed");
                        await DrainAsync(window);
                        return;
                    }
                    acked.Add(seq);
                }
                if (marking.IsCompleted)
                {
                    await marking; // surfaces a store failure (it stops the host, as a synchronous mark did)
                    if (acked.Count >= MarkBatch || (acked.Count > 0 && (window.Count == 0 || _time.GetElapsedTime(lastMark) >= _markInterval)))
                    {
                        // Checkpoint on the thread pool while the next publishes go out; one mark at a time, in
                        // seq order, and only for rows whose PUBACK has arrived.
                        var range = acked;
                        acked = new AckedRange();
                        marking = Task.Run(() => Mark(range), CancellationToken.None);
                        lastMark = _time.GetTimestamp();
                    }
                }
                if (window.Count == 0 && next == page.Count && readRows == 0)
                {
                    if (!marking.IsCompleted)
                    {
                        await marking;
                        continue; // what was acknowledged meanwhile is marked on the next turn
                    }
                    if (acked.Count > 0)
                    {
                        continue;
                    }
                    if (!_uplink.IsConnected)
                    {
                        return;
                    }
                    await IdleAsync(ct);
                }
            }
        }
        finally
        {
            // Whatever was acknowledged before the failure or the stop is checkpointed; nothing after it.
            await marking; // a failed mark leaves its rows pending: they are sent again later
            if (acked.Count > 0)
            {
                Mark(acked);
            }
        }
    }

    /// <summary>Acknowledged rows awaiting their checkpoint: contiguous in the outbox, since acks are taken in seq order.</summary>
    private sealed class AckedRange
    {
        public long First { get; private set; }

        public long Last { get; private set; }

        public int Count { get; private set; }

        public void Add(long seq)
        {
            if (Count == 0)
            {
                First = seq;
            }
            Last = seq;
            Count++;
        }
    }

    private string TopicFor(string asset)
    {
        if (_topics.TryGetValue(asset, out var topic))
        {
            return topic;
        }
        topic = _uplink.Topics.Events(asset);
        if (_topics.Count < MaxCachedTopics)
        {
            _topics[asset] = topic;
        }
        return topic;
    }

    private static async Task DrainAsync(Queue<(long Seq, PendingPublish Ack)> window)
    {
        // Rows after a failure are resent later even if they were acknowledged: that keeps the replay per asset
        // in commit order. Wait for them so no publish outlives this pump.
        while (window.Count > 0)
        {
            await window.Dequeue().Ack.WhenCompleted();
        }
    }

    private void Mark(AckedRange acked)
    {
        // Every row from First to Last was read by this pump and acknowledged (seq is AUTOINCREMENT, the pump
        // started at the oldest pending row and takes acks in order), so one range statement covers them.
        _outbox.MarkDeliveredRange(acked.First, acked.Last);
        _counters.AddEventsUplinked(acked.Count);
        Interlocked.Add(ref _forwarded, acked.Count);
    }

    private async Task IdleAsync(CancellationToken ct)
    {
        using var pollTimer = new CancellationTokenSource(PollInterval, _time);
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct, pollTimer.Token);
        try
        {
            await _wake.Reader.WaitToReadAsync(poll.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // poll interval elapsed: look at the outbox anyway
        }
    }
}
