using System.Text;
using System.Text.Json;
using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Contracts.Tests;

public sealed class EventJsonTests
{
    /// <summary>The example of docs/mqtt-contract.md, "Events", without its line breaks.</summary>
    private static readonly string DocumentedEvent = """
        {"v":1,"id":"3f2a9c0e5b7d4e1f8a6b2c3d4e5f6a7b","rev":2,"gateway":"gw-01","asset":"pump-1",
        "tags":["current.a"],"kind":"rule","source":"overcurrent","severity":"critical","state":"closed",
        "start_ms":1732400000123,"end_ms":1732400061000,"peak_value":21.7,"peak_score":1.45,"threshold":15,
        "message":"pump-1: current.a = 21.7","explanation":"pump-1/current.a = 21.7 vs threshold 15 (rule overcurrent, score 1.45); recent values [12.5, 16.1, 21.7]",
        "occurrences":1,"updated_ms":1732400061000}
        """.ReplaceLineEndings("");

    [Fact]
    public void SerializeThenDeserialize_RoundTripsEveryField()
    {
        var e = new GatewayEvent
        {
            Id = "abc", Revision = 3, Gateway = "gw", Asset = "pump-1", Tags = ["current.a", "flow"], Kind = EventKind.DataQuality,
            Source = "dq-flatline:flow", Severity = Severity.Warning, State = EventState.Closed, StartMs = 10, EndMs = 20,
            PeakValue = 1.5, PeakScore = 0.75, Threshold = double.NaN, Message = "m \"quoted\"", Explanation = "x", Occurrences = 2, UpdatedMs = 20,
        };
        var back = EventJson.Deserialize(EventJson.Serialize(e));
        Assert.Equal(e with { Tags = back.Tags, Threshold = back.Threshold }, back);
        Assert.Equal(e.Tags, back.Tags);
        Assert.True(double.IsNaN(back.Threshold));
    }

    [Fact]
    public void Serialize_IsDeterministic()
    {
        var e = new GatewayEvent
        {
            Id = "abc", Gateway = "gw", Asset = "a", Tags = [], Kind = EventKind.Rule, Source = "rule:r", Severity = Severity.Info,
            State = EventState.Open, StartMs = 1, PeakValue = 1, PeakScore = 1, Threshold = 2, Message = "", Explanation = "", UpdatedMs = 1,
        };
        Assert.Equal(EventJson.Serialize(e), EventJson.Serialize(e));
    }

    [Fact]
    public void Deserialize_TheDocumentedPayload_ReadsEveryFieldAndWritesTheSameBytesBack()
    {
        var e = EventJson.Deserialize(Encoding.UTF8.GetBytes(DocumentedEvent));

        Assert.Equal(("3f2a9c0e5b7d4e1f8a6b2c3d4e5f6a7b", 2, "gw-01", "pump-1"), (e.Id, e.Revision, e.Gateway, e.Asset));
        Assert.Equal(["current.a"], e.Tags);
        Assert.Equal((EventKind.Rule, "overcurrent", Severity.Critical, EventState.Closed), (e.Kind, e.Source, e.Severity, e.State));
        Assert.Equal((1732400000123L, (long?)1732400061000L, 21.7, 1.45, 15.0), (e.StartMs, e.EndMs, e.PeakValue, e.PeakScore, e.Threshold));
        Assert.Equal((1, 1732400061000L), (e.Occurrences, e.UpdatedMs));
        Assert.Equal(DocumentedEvent, Encoding.UTF8.GetString(EventJson.Serialize(e)));
    }

    [Fact]
    public void OpenEvent_NullEndAndNonFiniteNumbers_RoundTripAsNullAndNaN()
    {
        var e = new GatewayEvent
        {
            Id = "0123", Revision = 1, Gateway = "gw", Asset = "_gateway", Tags = [], Kind = EventKind.Storage, Source = "storage:missing",
            Severity = Severity.Critical, State = EventState.Open, StartMs = 5, EndMs = null, PeakValue = double.PositiveInfinity,
            PeakScore = double.NaN, Threshold = double.NaN, Message = "é \u2028", Explanation = "", Occurrences = 1, UpdatedMs = 5,
        };

        var json = EventJson.Serialize(e);
        var wire = JsonDocument.Parse(json).RootElement;
        var back = EventJson.Deserialize(json);

        Assert.Equal(JsonValueKind.Null, wire.GetProperty("end_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, wire.GetProperty("peak_value").ValueKind);
        Assert.Null(back.EndMs);
        Assert.True(double.IsNaN(back.PeakValue));
        Assert.Equal((EventKind.Storage, e.Message), (back.Kind, back.Message));
        Assert.Equal(json, EventJson.Serialize(back));
    }
}
