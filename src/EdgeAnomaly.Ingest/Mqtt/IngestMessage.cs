using System.Buffers;
using MQTTnet;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// One message from the local broker, its payload copied into a buffer rented from the shared array pool.
/// The consumer must call <see cref="Release"/> once it has decoded the payload (calling it twice is harmless).
/// </summary>
public sealed class IngestMessage
{
    private byte[]? _buffer;
    private MqttApplicationMessageReceivedEventArgs? _pendingAck;

    internal IngestMessage(string topic, byte[] buffer, int length, long receivedAtMs)
    {
        Topic = topic;
        _buffer = buffer;
        Length = length;
        ReceivedAtMs = receivedAtMs;
    }

    public string Topic { get; }

    public int Length { get; }

    /// <summary>Gateway receive time, unix milliseconds, from the injected TimeProvider.</summary>
    public long ReceivedAtMs { get; }

    public bool IsReleased => _buffer is null;

    /// <summary>The payload bytes; throws after <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> Payload =>
        (_buffer ?? throw new ObjectDisposedException(nameof(IngestMessage), "payload already released")).AsSpan(0, Length);

    /// <summary>Copies a payload into a pooled buffer.</summary>
    public static IngestMessage Copy(string topic, in ReadOnlySequence<byte> payload, long receivedAtMs)
    {
        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        return new IngestMessage(topic, buffer, length, receivedAtMs);
    }

    /// <summary>
    /// Holds back the QoS 1 acknowledgement until <see cref="Acknowledge"/>: the pipeline acknowledges a message only
    /// after the events it caused are committed, so a crash in between makes the broker redeliver it.
    /// </summary>
    internal void DeferAcknowledgement(MqttApplicationMessageReceivedEventArgs args)
    {
        args.AutoAcknowledge = false;
        _pendingAck = args;
    }

    /// <summary>Sends the held-back PUBACK (no-op for QoS 0 or when already sent). Never throws: a lost
    /// connection means the broker redelivers, which is the point.</summary>
    public void Acknowledge()
    {
        var args = Interlocked.Exchange(ref _pendingAck, null);
        if (args is null)
        {
            return;
        }
        try
        {
            var ack = args.AcknowledgeAsync(CancellationToken.None);
            if (!ack.IsCompleted)
            {
                _ = ack.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            else if (ack.IsFaulted)
            {
                _ = ack.Exception;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Connection gone: the broker will redeliver after reconnect.
        }
    }

    public void Release()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
