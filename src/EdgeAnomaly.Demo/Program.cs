using EdgeAnomaly.Runtime.Hosting;

namespace EdgeAnomaly.Demo;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (NativeDependencyCheck.FindMissing() is { } missing)
        {
            await Console.Error.WriteLineAsync(missing).ConfigureAwait(false);
            return 1;
        }
        return await DemoCommand.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
