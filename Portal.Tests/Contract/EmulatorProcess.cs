using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Portal.Tests.Contract;

/// <summary>
/// A child process: a local stand-in for an AWS service (DynamoDB Local, s3rver) run for the whole test run, or the portal itself in crash tests:
/// found under .tools/ (installed by test.sh) or an environment override, started on a free port, its output drained
/// (so it never blocks on a full pipe) and kept to explain a failed start, and killed with its process tree at the end.
/// </summary>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private EmulatorProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>The tool's folder: <paramref name="environmentVariable"/> if set, else .tools/<paramref name="toolsFolder"/> at the repository root.</summary>
    public static string ToolDirectory(string environmentVariable, string toolsFolder)
    {
        if (Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return Path.Combine(dir.FullName, ".tools", toolsFolder);
            }
        }

        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}; set {environmentVariable}.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="program"/>; <paramref name="notInstalled"/> explains what to install when the program itself is missing.</summary>
    public static EmulatorProcess Start(string name, string program, string workingDirectory, IEnumerable<string> arguments, string notInstalled)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            return new EmulatorProcess(Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start."), name);
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(notInstalled, ex);
        }
    }

    /// <summary>
    /// Calls <paramref name="probe"/> until it succeeds. A crashed process is noticed at once; otherwise the generous
    /// <paramref name="timeout"/> only costs time when the emulator hangs (a busy 2-core machine can be slow to start it).
    /// </summary>
    public async Task WaitUntilReadyAsync(Func<CancellationToken, Task> probe, TimeSpan timeout, TimeSpan interval)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await probe(attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or AmazonServiceException or AmazonClientException)
            {
                if (_process.HasExited || deadline.Elapsed > timeout)
                {
                    throw new InvalidOperationException(
                        $"{Name} did not answer within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}). Output:\n{string.Join('\n', Snapshot())}", ex);
                }
            }

            await Task.Delay(interval);
        }
    }

    /// <summary>Everything the process printed so far.</summary>
    public IReadOnlyList<string> Output => Snapshot();

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what was not durable is lost.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }

    private List<string> Snapshot()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }
}
