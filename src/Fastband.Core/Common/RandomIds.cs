namespace Fastband.Core;

/// <summary>
/// Random hex for ids that must not collide (lease ids), drawn from <see cref="Guid.NewGuid"/>: the operating
/// system's secure random source through the runtime's own native shim. <c>RandomNumberGenerator</c> on Linux goes
/// through OpenSSL, and loading libcrypto cost a lock acquire about 2 ms of its 12.
/// </summary>
internal static class RandomIds
{
    /// <summary><paramref name="bytes"/> (at most 12) random bytes as lower-case hex.</summary>
    public static string Hex(int bytes)
    {
        if (bytes is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(bytes), "1 to 12 random bytes are available from one Guid.");
        Span<byte> guid = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(guid);
        // Bytes 6 to 9 carry the version 4 and variant bits; the other twelve are random.
        Span<byte> random = stackalloc byte[12];
        guid[..6].CopyTo(random);
        guid[10..].CopyTo(random[6..]);
        return Convert.ToHexString(random[..bytes]).ToLowerInvariant();
    }
}
