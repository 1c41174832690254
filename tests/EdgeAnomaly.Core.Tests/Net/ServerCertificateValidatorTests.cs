using System.Net;
using EdgeAnomaly.Core.Net;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Core.Tests.Net;

public sealed class ServerCertificateValidatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ValidateCaFileOption_NoCaFile_HasNoErrors()
    {
        Assert.Empty(ServerCertificateValidator.ValidateCaFileOption("LocalBroker", useTls: false, caFile: null));
        Assert.Empty(ServerCertificateValidator.ValidateCaFileOption("LocalBroker", useTls: true, caFile: null));
    }

    [Fact]
    public void ValidateCaFileOption_ARealCaFileWithTls_HasNoErrors()
    {
        var certificates = TestCertificates.Create(_dir.Path, "Test CA", ["broker.test"], [IPAddress.Loopback]);

        Assert.Empty(ServerCertificateValidator.ValidateCaFileOption("Central", useTls: true, certificates.CaFile));
    }

    [Fact]
    public void ValidateCaFileOption_EachProblem_NamesTheSectionsKey()
    {
        var certificates = TestCertificates.Create(_dir.Path, "Test CA", ["broker.test"], [IPAddress.Loopback]);
        var missing = Path.Combine(_dir.Path, "missing.pem");
        var keyOnly = Write("key.pem", File.ReadAllText(certificates.KeyFile));
        var garbage = Write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");

        Assert.Equal(["LocalBroker:CaFile needs LocalBroker:UseTls=true"],
            ServerCertificateValidator.ValidateCaFileOption("LocalBroker", useTls: false, certificates.CaFile));
        Assert.Equal([$"Central:CaFile '{missing}' does not exist"],
            ServerCertificateValidator.ValidateCaFileOption("Central", useTls: true, missing));
        Assert.Equal([$"LocalBroker:CaFile '{keyOnly}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)"],
            ServerCertificateValidator.ValidateCaFileOption("LocalBroker", useTls: true, keyOnly));
        var unreadable = Assert.Single(ServerCertificateValidator.ValidateCaFileOption("LocalBroker", useTls: true, garbage));
        Assert.Equal($"LocalBroker:CaFile '{garbage}' is not a readable PEM certificate file: 1 of its 1 certificate blocks do not decode", unreadable);
        // A bundle with one good and one damaged certificate is refused too: the importer alone would skip the damaged one.
        var bundle = Write("bundle.pem", File.ReadAllText(certificates.CaFile) + File.ReadAllText(garbage));
        Assert.Equal([$"Central:CaFile '{bundle}' is not a readable PEM certificate file: 1 of its 2 certificate blocks do not decode"],
            ServerCertificateValidator.ValidateCaFileOption("Central", useTls: true, bundle));
    }

    [Fact]
    public void ForOptions_NoTlsOrAcceptAll_HasNoValidator_OtherwiseOneThatNamesTheKey()
    {
        Assert.Null(ServerCertificateValidator.ForOptions("LocalBroker", "127.0.0.1", useTls: false, allowUntrusted: false, caFile: null));
        Assert.Null(ServerCertificateValidator.ForOptions("LocalBroker", "127.0.0.1", useTls: true, allowUntrusted: true, caFile: null));
        var validator = ServerCertificateValidator.ForOptions("LocalBroker", "127.0.0.1", useTls: true, allowUntrusted: false, caFile: null);
        Assert.NotNull(validator);

        Assert.False(validator.Validate(null, null, System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.Equal("the broker sent no certificate", validator.LastRejection);
        validator.Reset();
        Assert.Null(validator.LastRejection);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(29, true)]
    [InlineData(60, false)]
    public void Validate_AnAcceptedCertificateCloseToItsEnd_LeavesAWarningSayingWhen(int daysLeft, bool warned)
    {
        var certificates = TestCertificates.Create(Path.Combine(_dir.Path, "d" + daysLeft), "Test CA", ["broker.test"], [IPAddress.Loopback], TimeSpan.FromDays(daysLeft));
        using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(certificates.CertFile));
        var validator = new ServerCertificateValidator("broker.test", ServerCertificateValidator.LoadCaFile(certificates.CaFile), "Central:CaFile");

        Assert.True(validator.Validate(leaf, null, System.Net.Security.SslPolicyErrors.None), validator.LastRejection);

        if (warned)
        {
            Assert.NotNull(validator.ExpiryWarning);
            Assert.StartsWith("certificate 'CN=broker.test' of the broker at 'broker.test' expires ", validator.ExpiryWarning, StringComparison.Ordinal);
            // A few seconds short of the whole days, shown to a tenth.
            Assert.Contains(FormattableString.Invariant($"in {daysLeft:0.0} days; TLS to it fails from then on"), validator.ExpiryWarning, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(validator.ExpiryWarning);
        }
        validator.Reset();
        Assert.Null(validator.ExpiryWarning);
    }
}
