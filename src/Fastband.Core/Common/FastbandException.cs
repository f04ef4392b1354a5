namespace Fastband.Core;

/// <summary>The class of a failure. The CLI maps each to one exit code and the cmdlets to one error category.</summary>
public enum FailureKind
{
    /// <summary>Something went wrong that the caller could not have prevented (I/O, database).</summary>
    Failed = 1,
    /// <summary>The caller passed a bad flag, value or file.</summary>
    InvalidInput = 2,
    /// <summary>A hold, a rebuild, a lock or another agent stands in the way.</summary>
    Blocked = 3,
    /// <summary>The thing asked for does not exist.</summary>
    NotFound = 4,
}

/// <summary>Base of every failure Core reports on purpose. The message is one sentence that says what is wrong and how to fix it.</summary>
public class FastbandException : Exception
{
    public FastbandException(FailureKind kind, string errorId, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
    }

    public FailureKind Kind { get; }

    /// <summary>A stable identifier scripts can match on, e.g. <c>InvalidEventType</c>.</summary>
    public string ErrorId { get; }
}

public sealed class InvalidInputException : FastbandException
{
    public InvalidInputException(string errorId, string message) : base(FailureKind.InvalidInput, errorId, message) { }
}

public sealed class NotFoundException : FastbandException
{
    public NotFoundException(string errorId, string message) : base(FailureKind.NotFound, errorId, message) { }
}

public sealed class BlockedException : FastbandException
{
    public BlockedException(string errorId, string message) : base(FailureKind.Blocked, errorId, message) { }
}

public sealed class StoreException : FastbandException
{
    public StoreException(string message, Exception? inner = null) : base(FailureKind.Failed, "StoreFailed", message, inner) { }
}

/// <summary>A file or folder Fastband must write cannot be written (permissions, a read-only file system): a failure, not a wait.</summary>
public sealed class NotWritableException : FastbandException
{
    public NotWritableException(string errorId, string message, Exception? inner = null) : base(FailureKind.Failed, errorId, message, inner) { }
}
