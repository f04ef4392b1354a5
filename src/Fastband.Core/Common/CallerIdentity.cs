using System.Diagnostics;

namespace Fastband.Core;

/// <summary>Who is calling: the agent name plus the host and process it runs in.</summary>
public sealed record CallerIdentity(string Agent, string Host, int ProcessId, DateTimeOffset? ProcessStartedAt)
{
    public const string UnknownAgent = "unknown_agent";

    /// <summary>True when no agent name was given anywhere and <see cref="UnknownAgent"/> stands in.</summary>
    public bool IsDefaulted { get; init; }

    /// <summary>Overrides the host name (containers, CI runners, tests that play several hosts on one machine).</summary>
    public const string HostVariable = "FASTBAND_HOST";

    /// <summary>
    /// The agent name comes from the explicit value, else FASTBAND_AGENT, else AGENT_ID, else <see cref="UnknownAgent"/>.
    /// The host is FASTBAND_HOST, else the machine name.
    /// </summary>
    public static CallerIdentity Resolve(string? explicitAgent, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? name = FirstNonEmpty(explicitAgent, environment("FASTBAND_AGENT"), environment("AGENT_ID"));
        bool defaulted = name is null;
        name ??= UnknownAgent;
        AgentName.Validate(name);
        return new CallerIdentity(name, ResolveHost(environment), Environment.ProcessId, CurrentProcessStart())
        {
            IsDefaulted = defaulted,
        };
    }

    /// <summary>FASTBAND_HOST when set, else the machine name: the host whose pids this process may judge.</summary>
    public static string ResolveHost(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return FirstNonEmpty(environment(HostVariable)) ?? Environment.MachineName;
    }

    private static string? FirstNonEmpty(params string?[] values)
    {
        foreach (var v in values)
            if (!string.IsNullOrWhiteSpace(v)) return v.Trim();
        return null;
    }

    private static DateTimeOffset? CurrentProcessStart()
    {
        try
        {
            using var p = Process.GetCurrentProcess();
            return new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>Rules for agent names, so that they stay usable as file names, JSON keys and command arguments.</summary>
public static class AgentName
{
    public const int MaxLength = 64;

    public static void Validate(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxLength || !name.All(IsAllowed))
            throw new InvalidInputException("InvalidAgentName",
                $"'{name}' is not a valid agent name: use 1 to {MaxLength} letters, digits, '_', '-', '.' or '@'.");
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '@';
}
