using System.Text;

namespace Fastband.Core.Backup.Database;

/// <summary>Keeps the last few kilobytes written to it, to look for the trailer.</summary>
internal sealed class TailStream : Stream
{
    private const int Keep = 4096;
    private readonly byte[] _buffer = new byte[Keep];
    private int _length;

    public string Text => Encoding.UTF8.GetString(_buffer, 0, _length);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length >= Keep)
        {
            data[^Keep..].CopyTo(_buffer);
            _length = Keep;
            return;
        }
        int overflow = _length + data.Length - Keep;
        if (overflow > 0)
        {
            Buffer.BlockCopy(_buffer, overflow, _buffer, 0, _length - overflow);
            _length -= overflow;
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Writes everything to two streams.</summary>
internal sealed class TeeStream : Stream
{
    private readonly Stream _first;
    private readonly Stream _second;

    public TeeStream(Stream first, Stream second)
    {
        _first = first;
        _second = second;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _first.Write(buffer, offset, count);
        _second.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _first.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await _second.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _first.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
