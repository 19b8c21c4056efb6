# Proxies: an http:// (loopback) base URI is never reached through one, whatever the environment says; an https://
# host goes through the system's proxy by default, through -Proxy when given, and directly with -NoProxy. A recording
# proxy on loopback sees what would have gone through it. Each case runs in a fresh pwsh, since .NET reads the
# proxy variables once per process.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:token = (New-TestPurchase -Emulator $emu -App $app).purchaseToken

    if (-not ('OneStoreIap.Tests.RecordingProxy' -as [type])) {
        Add-Type -TypeDefinition @'
namespace OneStoreIap.Tests {
    using System; using System.Collections.Concurrent; using System.Net; using System.Net.Sockets; using System.Text; using System.Threading.Tasks;
    /// A proxy that records what reaches it (the request head of each connection) and refuses to forward anything.
    public sealed class RecordingProxy : IDisposable {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        public readonly ConcurrentQueue<string> Received = new ConcurrentQueue<string>();
        public RecordingProxy() { listener.Start(); Task.Run(Loop); }
        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }
        public string Uri { get { return "http://127.0.0.1:" + Port; } }
        private async Task Loop() {
            while (true) {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); } catch { return; }
                _ = Task.Run(async () => {
                    using (client) {
                        var stream = client.GetStream();
                        var buffer = new byte[65536]; var total = 0;
                        var read = stream.ReadAsync(buffer, 0, buffer.Length);
                        if (await Task.WhenAny(read, Task.Delay(5000)) == read) total = read.Result;
                        Received.Enqueue(Encoding.ASCII.GetString(buffer, 0, total));
                        var refuse = Encoding.ASCII.GetBytes("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        try { await stream.WriteAsync(refuse, 0, refuse.Length); } catch { }
                    }
                });
            }
        }
        public string All() { return string.Join("\n----\n", Received.ToArray()); }
        public void Dispose() { listener.Stop(); }
    }
}
'@
    }

    function Invoke-Child {
        # Runs $Script in a fresh pwsh with $Environment set; returns its output text.
        param([string] $Script, [hashtable] $Environment = @{})
        $child = Start-TestPwsh -Script $Script -Environment $Environment
        if (-not $child.Process.WaitForExit(120000)) { $child.Process.Kill($true); throw 'The child pwsh did not finish in 2 minutes.' }
        $child.Output.Result + $child.Error.Result
    }
    $script:connect = "`$s = ConvertTo-SecureString '$($app.ClientSecret)' -AsPlainText -Force; "
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Proxies' {
    BeforeEach { $script:proxy = [OneStoreIap.Tests.RecordingProxy]::new() }
    AfterEach { $proxy.Dispose() }

    It 'an http:// (loopback) base URI is never reached through the proxy the environment names' {
        $environment = @{}
        foreach ($name in 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy') { $environment[$name] = $proxy.Uri }
        $output = Invoke-Child -Environment $environment -Script ($connect + @"
Connect-OneStore -ClientId '$($app.ClientId)' -ClientSecret `$s -BaseUri '$($emu.BaseUri)'
(Get-OneStorePurchase -ProductId gem_100 -PurchaseToken '$token').PurchaseToken
@(Get-OneStoreUnconfirmedPurchase).Count
'DONE'
"@)
        $output | Should -Match ([regex]::Escape($token))
        $output | Should -Match 'DONE'
        $proxy.Received.Count | Should -Be 0 -Because "nothing may reach the proxy: $($proxy.All())"
    }

    It 'an http:// base URI with -Proxy is still reached directly, with a warning' {
        $output = Invoke-Child -Script ($connect + @"
Connect-OneStore -ClientId '$($app.ClientId)' -ClientSecret `$s -BaseUri '$($emu.BaseUri)' -Proxy '$($proxy.Uri)' 3>&1
(Get-OneStorePurchase -ProductId gem_100 -PurchaseToken '$token').PurchaseToken
"@)
        $output | Should -Match 'is not used for http://127\.0\.0\.1'
        $output | Should -Match ([regex]::Escape($token))
        $proxy.Received.Count | Should -Be 0
    }

    It 'an https:// host with -Proxy goes through it as a CONNECT tunnel: the proxy never sees the secret' {
        $output = Invoke-Child -Script ($connect + @"
try { Connect-OneStore -ClientId '$($app.ClientId)' -ClientSecret `$s -Proxy '$($proxy.Uri)' -MaximumRetryCount 0 -TimeoutSec 10 } catch { 'FAILED ' + `$_.FullyQualifiedErrorId }
"@)
        $output | Should -Match 'FAILED'
        $proxy.Received.Count | Should -BeGreaterOrEqual 1
        $proxy.All() | Should -Match '^CONNECT iap-apis\.onestore\.net:443 HTTP/1\.1'
        $proxy.All() | Should -Not -Match ([regex]::Escape($app.ClientSecret))
        $proxy.All() | Should -Not -Match 'client_secret|Bearer'
        $output | Should -Not -Match ([regex]::Escape($app.ClientSecret))
    }

    It 'an https:// host honours HTTPS_PROXY by default, and -NoProxy goes around it' {
        $output = Invoke-Child -Environment @{ HTTPS_PROXY = $proxy.Uri } -Script ($connect + @"
try { Connect-OneStore -ClientId '$($app.ClientId)' -ClientSecret `$s -Environment Sandbox -MaximumRetryCount 0 -TimeoutSec 10 } catch { 'FAILED ' + `$_.FullyQualifiedErrorId }
"@)
        $output | Should -Match 'FAILED'
        $proxy.All() | Should -Match '^CONNECT sbpp\.onestore\.net:443 HTTP/1\.1'
        $seen = $proxy.Received.Count

        $output = Invoke-Child -Environment @{ HTTPS_PROXY = $proxy.Uri } -Script ($connect + @"
try { Connect-OneStore -ClientId '$($app.ClientId)' -ClientSecret `$s -Environment Sandbox -NoProxy -MaximumRetryCount 0 -TimeoutSec 10 } catch { 'FAILED ' + `$_.FullyQualifiedErrorId }
"@)
        $output | Should -Match 'FAILED'
        $proxy.Received.Count | Should -Be $seen -Because 'with -NoProxy nothing goes to the proxy'
    }

    It 'refuses -Proxy with -NoProxy, and -ProxyCredential without -Proxy' {
        $err = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -Proxy $proxy.Uri -NoProxy }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,OneStoreIap.Commands.ConnectOneStoreCommand'
        "$err" | Should -Match 'contradict'
        $credential = [pscredential]::new('user', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
        $err = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -ProxyCredential $credential }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,OneStoreIap.Commands.ConnectOneStoreCommand'
        $proxy.Received.Count | Should -Be 0
    }
}
