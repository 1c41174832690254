namespace EdgeAnomaly.Storage;

/// <summary>
/// An event commit could not be written for lack of disk space, even after the store truncated its WAL and evicted
/// readings history and delivered events (unsent events are never evicted for it). Nothing of the commit is stored;
/// the caller keeps the revisions and tries again later (docs/storage.md, "Full disk").
/// </summary>
public sealed class StoreFullException : IOException
{
    public StoreFullException()
    {
    }

    public StoreFullException(string message)
        : base(message)
    {
    }

    public StoreFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
