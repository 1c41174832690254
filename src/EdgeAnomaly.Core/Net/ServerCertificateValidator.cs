using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeAnomaly.Core.Net;

/// <summary>
/// Decides whether an MQTT broker's TLS certificate (the central one, or the local one the nodes publish to) is
/// trusted and, when it is not, keeps the reason, so the reconnect log says "does not chain to Central:CaFile" or
/// "not for host X" instead of the TLS stack's "rejected by the provided RemoteCertificateValidationCallback".
/// With a CA file the chain must end at one of that file's certificates (the system store is not consulted, so a
/// public CA cannot vouch for a private broker); without it the platform's verdict stands.
/// Revocation is not checked against a private CA: plant networks rarely reach a CRL or OCSP responder.
/// </summary>
public sealed class ServerCertificateValidator
{
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly string _host;
    private readonly string _caFileKey;
    private readonly TimeProvider _time;
    private string? _lastRejection;
    private string? _expiryWarning;

    /// <summary>A broker certificate accepted with less than this left is reported, so it is renewed before TLS fails.</summary>
    public static readonly TimeSpan ExpiryWarningPeriod = TimeSpan.FromDays(30);

    /// <param name="host">The host name the gateway connects to (for the message only; the TLS stack checks the name).</param>
    /// <param name="trustedRoots">The CA file's certificates, or null for the system trust store.</param>
    /// <param name="caFileKey">The configuration key of the CA file, e.g. "Central:CaFile", named in the reasons.</param>
    public ServerCertificateValidator(string host, X509Certificate2Collection? trustedRoots, string caFileKey, TimeProvider? time = null)
    {
        _host = host;
        _trustedRoots = trustedRoots;
        _caFileKey = caFileKey;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A validator for the options' host and CA file (loaded now), or null when any certificate is accepted.</summary>
    public static ServerCertificateValidator? ForOptions(string section, string host, bool useTls, bool allowUntrusted, string? caFile) =>
        !useTls || allowUntrusted ? null
            : new ServerCertificateValidator(host, caFile is null ? null : LoadCaFile(caFile), section + ":CaFile");

    /// <summary>
    /// The configuration errors of a section's TLS keys (<c>UseTls</c>, <c>CaFile</c>), each naming the key: a CA
    /// file without TLS, a missing or unreadable file, one that holds no PEM certificate or a block that does not decode.
    /// </summary>
    public static IEnumerable<string> ValidateCaFileOption(string section, bool useTls, string? caFile)
    {
        if (caFile is null)
        {
            yield break;
        }
        if (!useTls)
        {
            yield return $"{section}:CaFile needs {section}:UseTls=true";
        }
        if (!File.Exists(caFile))
        {
            yield return $"{section}:CaFile '{caFile}' does not exist";
            yield break;
        }
        string? problem = null;
        try
        {
            _ = LoadCaFile(caFile);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
        }
        if (problem is not null)
        {
            yield return $"{section}:CaFile {problem}";
        }
    }

    /// <summary>Why the last certificate was rejected, or null if none was since <see cref="Reset"/>.</summary>
    public string? LastRejection => Volatile.Read(ref _lastRejection);

    /// <summary>" (broker certificate refused: reason)" to append to a failed connect's log line, or "" when none was.</summary>
    public string RefusalNote => LastRejection is { } reason ? " (broker certificate refused: " + reason + ")" : "";

    /// <summary>
    /// Set when the last accepted certificate (the broker's, or a CA of its chain from the CA file) expires within
    /// <see cref="ExpiryWarningPeriod"/>: what to log after connecting. Null otherwise.
    /// </summary>
    public string? ExpiryWarning => Volatile.Read(ref _expiryWarning);

    public void Reset()
    {
        Volatile.Write(ref _lastRejection, null);
        Volatile.Write(ref _expiryWarning, null);
    }

    /// <summary>
    /// Reads a PEM CA file; throws <see cref="InvalidDataException"/> naming the file when it holds no certificate
    /// or when one of its certificate blocks does not decode (the platform importer would skip it silently).
    /// </summary>
    public static X509Certificate2Collection LoadCaFile(string path)
    {
        const string Begin = "-----BEGIN CERTIFICATE-----";
        var text = File.ReadAllText(path);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(text);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"'{path}' is not a readable PEM certificate file: {ex.Message}", ex);
        }
        var blocks = 0;
        for (var at = text.IndexOf(Begin, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Begin, at + Begin.Length, StringComparison.Ordinal))
        {
            blocks++;
        }
        if (blocks == 0)
        {
            throw new InvalidDataException($"'{path}' holds no PEM certificate ({Begin})");
        }
        if (roots.Count < blocks)
        {
            throw new InvalidDataException($"'{path}' is not a readable PEM certificate file: {blocks - roots.Count} of its {blocks} certificate blocks do not decode");
        }
        return roots;
    }

    public bool Validate(X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        var reason = Check(certificate, presentedChain, errors, out var soonest);
        if (reason is not null)
        {
            Volatile.Write(ref _lastRejection, reason);
        }
        else if (soonest is { } expiring)
        {
            var left = expiring.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime;
            Volatile.Write(ref _expiryWarning, left < ExpiryWarningPeriod
                ? $"certificate '{expiring.Subject}' of the broker at '{_host}' expires {expiring.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC, in {left.TotalDays:0.0} days; TLS to it fails from then on"
                : null);
        }
        return reason is null;
    }

    /// <param name="soonest">The certificate of the accepted chain that expires first (the leaf when no chain was built).</param>
    private string? Check(X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors, out SoonestExpiry? soonest)
    {
        soonest = null;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "the broker sent no certificate";
        }
        using var leaf = new X509Certificate2(certificate);
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return $"certificate {Describe(leaf)} is not for host '{_host}'";
        }
        if (_trustedRoots is null)
        {
            if (errors != SslPolicyErrors.None)
            {
                return $"certificate {Describe(leaf)} is not trusted by the system store ({ChainStatus(presentedChain)}); set {_caFileKey} to the broker's CA";
            }
            soonest = Soonest(presentedChain, leaf);
            return null;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presentedChain is not null)
        {
            // Intermediates the broker sent along, so a CA file with only the root still verifies.
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (!chain.Build(leaf))
        {
            return $"certificate {Describe(leaf)} does not chain to {_caFileKey} ({ChainStatus(chain)})";
        }
        soonest = Soonest(chain, leaf);
        return null;
    }

    /// <summary>Subject and end of validity of one certificate, kept after the chain is disposed.</summary>
    private readonly record struct SoonestExpiry(string Subject, DateTime NotAfter);

    private static SoonestExpiry Soonest(X509Chain? chain, X509Certificate2 leaf)
    {
        var soonest = new SoonestExpiry(leaf.Subject, leaf.NotAfter);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                if (element.Certificate.NotAfter < soonest.NotAfter)
                {
                    soonest = new SoonestExpiry(element.Certificate.Subject, element.Certificate.NotAfter);
                }
            }
        }
        return soonest;
    }

    private static string Describe(X509Certificate2 certificate) =>
        $"'{certificate.Subject}' issued by '{certificate.Issuer}'";

    private static string ChainStatus(X509Chain? chain)
    {
        if (chain is null || chain.ChainStatus.Length == 0)
        {
            return "no chain status";
        }
        var text = new StringBuilder();
        foreach (var status in chain.ChainStatus)
        {
            if (text.Length > 0) { text.Append(", "); }
            text.Append(status.Status);
        }
        return text.ToString();
    }
}
