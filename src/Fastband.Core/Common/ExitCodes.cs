namespace Fastband.Core;

/// <summary>The exit codes of Fastband's programs (the CLI and the MCP server it starts), one per kind of failure.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Blocked = 3;
    public const int NotFound = 4;

    public static int For(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => BadUsage,
        FailureKind.Blocked => Blocked,
        FailureKind.NotFound => NotFound,
        _ => Failed,
    };
}
