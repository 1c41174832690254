namespace EdgeAnomaly.Models;

/// <summary>Checks shared by every Fit/Train: a non-empty, rectangular set of finite rows.</summary>
internal static class TrainingData
{
    /// <summary>Returns the number of columns; throws <see cref="ArgumentException"/> naming the first bad row.</summary>
    public static int Validate(double[][] rows, string parameter)
    {
        if (rows.Length == 0)
        {
            throw new ArgumentException("Training set is empty.", parameter);
        }
        var dimensions = rows[0]?.Length ?? 0;
        if (dimensions == 0)
        {
            throw new ArgumentException("Training rows have no columns.", parameter);
        }
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            if (row is null || row.Length != dimensions)
            {
                throw new ArgumentException($"Training row {i} has {row?.Length ?? 0} columns, expected {dimensions}.", parameter);
            }
            for (var j = 0; j < dimensions; j++)
            {
                if (!double.IsFinite(row[j]))
                {
                    throw new ArgumentException($"Training row {i} column {j} is not finite ({row[j]}).", parameter);
                }
            }
        }
        return dimensions;
    }
}
