using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAnomaly.TestSupport;

/// <summary>
/// A throw-away certificate authority and one server certificate it signed, written as PEM files for a real
/// broker (mosquitto reads them through OpenSSL) and for the client under test (the CA file).
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string caFile, string certFile, string keyFile)
    {
        CaFile = caFile;
        CertFile = certFile;
        KeyFile = keyFile;
    }

    /// <summary>PEM of the CA certificate: what a client trusts.</summary>
    public string CaFile { get; }

    /// <summary>PEM of the server certificate.</summary>
    public string CertFile { get; }

    /// <summary>PKCS#8 PEM of the server's private key.</summary>
    public string KeyFile { get; }

    /// <summary>
    /// Creates a CA named <paramref name="caName"/> and a server certificate for the given names in <paramref name="directory"/>.
    /// The server certificate is valid for <paramref name="validity"/> (default 2 days), the CA for a day longer.
    /// </summary>
    public static TestCertificates Create(string directory, string caName, string[] dnsNames, IPAddress[] addresses, TimeSpan? validity = null)
    {
        Directory.CreateDirectory(directory);
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow + (validity ?? TimeSpan.FromDays(2));

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=" + caName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=" + (dnsNames.Length > 0 ? dnsNames[0] : addresses[0].ToString()), serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames) { names.AddDnsName(dns); }
        foreach (var address in addresses) { names.AddIpAddress(address); }
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var server = serverRequest.Create(ca, notBefore, notAfter, serial);

        var certificates = new TestCertificates(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(certificates.CertFile, server.ExportCertificatePem() + "\n");
        File.WriteAllText(certificates.KeyFile, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return certificates;
    }
}
