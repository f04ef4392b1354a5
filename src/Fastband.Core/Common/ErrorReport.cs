namespace Fastband.Core;

/// <summary>
/// What a failed command writes on stdout under --json, beside its one sentence on stderr, so a script that parses
/// the output always gets a document: <c>{"error": {"id": "NoStore", "message": "..."}, "exitCode": 4}</c>.
/// </summary>
public sealed record ErrorReport(ErrorDetail Error, int ExitCode)
{
    public static ErrorReport From(FastbandException e) => new(new ErrorDetail(e.ErrorId, e.Message), ExitCodes.For(e.Kind));
}

/// <summary>The failure inside an <see cref="ErrorReport"/>: its stable id (the PowerShell error id without "Fastband.") and the sentence.</summary>
public sealed record ErrorDetail(string Id, string Message);
