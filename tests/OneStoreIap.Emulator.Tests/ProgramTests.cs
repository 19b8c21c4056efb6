using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using OneStoreIap.Emulator.Host;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class ProgramTests
    {
        private static ProcessStartInfo StartInfo(params string[] args)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OneStoreIap.Emulator.dll"));
            foreach (var a in args) info.ArgumentList.Add(a);
            return info;
        }

        [Fact]
        public async Task Prints_the_bound_address_as_its_first_line_and_serves_it()
        {
            using var process = Process.Start(StartInfo("--urls", "http://127.0.0.1:0", "--token-lifetime", "120", "--log"))!;
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            try
            {
                var lineTask = process.StandardOutput.ReadLineAsync();
                var done = await Task.WhenAny(lineTask, Task.Delay(TimeSpan.FromSeconds(30)));
                Assert.True(done == lineTask, "no first line; stderr: " + stderr);
                var line = (await lineTask)!;
                var match = Regex.Match(line, @"^Now listening on: (http://127\.0\.0\.1:(\d+))$");
                Assert.True(match.Success, "first line: " + line);
                Assert.NotEqual("0", match.Groups[2].Value);

                using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
                var health = await http.GetStringAsync("/_emulator/health");
                Assert.Contains("\"status\":\"ok\"", health);
                var token = await http.PostAsync("/v7/oauth/token", new FormUrlEncodedContent(new[]
                {
                    new System.Collections.Generic.KeyValuePair<string, string>("grant_type", "client_credentials"),
                    new System.Collections.Generic.KeyValuePair<string, string>("client_id", "com.onestore.sample"),
                    new System.Collections.Generic.KeyValuePair<string, string>("client_secret", "sample-client-secret-0000"),
                }));
                Assert.Contains("\"expires_in\":120", await token.Content.ReadAsStringAsync());

                if (!OperatingSystem.IsWindows())
                {
                    // SIGTERM stops it cleanly
                    using var kill = Process.Start("kill", "-TERM " + process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))!;
                    await kill.WaitForExitAsync();
                    var exited = process.WaitForExitAsync();
                    Assert.True(await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(15))) == exited, "still running after SIGTERM");
                    Assert.Equal(0, process.ExitCode);
                    process.WaitForExit(); // flushes the redirected stderr
                    string log;
                    lock (stderr) log = stderr.ToString();
                    Assert.Contains("POST issueToken 200", log);
                    Assert.DoesNotContain("health", log); // control requests are not API requests
                }
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        [Fact]
        public async Task Refuses_a_non_loopback_address()
        {
            using var process = Process.Start(StartInfo("--urls", "http://0.0.0.0:0"))!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(30_000));
            Assert.Equal(2, process.ExitCode);
            Assert.Equal("", await stdout);
            Assert.Contains("--allow-remote", await stderr);
        }

        [Theory]
        [InlineData("http://127.0.0.1:0", true)]
        [InlineData("http://localhost:5080", true)]
        [InlineData("http://[::1]:0", true)]
        [InlineData("http://0.0.0.0:0", false)]
        [InlineData("http://*:5080", false)]
        [InlineData("http://192.168.1.10:5080", false)]
        public void Accepts_only_loopback_urls_without_allow_remote(string url, bool accepted)
        {
            if (accepted)
            {
                Assert.Equal(url, EmulatorCommandLine.Parse(new[] { "--urls", url }).Urls[0]);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(new[] { "--urls", url }));
                Assert.True(EmulatorCommandLine.Parse(new[] { "--urls", url, "--allow-remote" }).AllowRemote);
            }
        }

        [Fact]
        public void Parses_every_option()
        {
            var options = EmulatorCommandLine.Parse(new[] { "--urls=http://127.0.0.1:1234", "--seed", "s.json", "--token-lifetime", "30", "--sandbox", "--log" });
            Assert.Equal("http://127.0.0.1:1234", options.Urls[0]);
            Assert.Equal("s.json", options.SeedPath);
            Assert.Equal(30, options.TokenLifetimeSeconds);
            Assert.True(options.Sandbox);
            Assert.True(options.Log);
            Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(new[] { "--token-lifetime", "0" }));
            Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(new[] { "--bogus" }));
        }
    }
}
