# The examples that users copy with their own Pester tests (examples/verify-purchase, examples/pns-receiver), run the
# way a user runs them: Invoke-Pester in a fresh pwsh, with the staged module found on PSModulePath as an installed one.

BeforeDiscovery {
    $script:Folders = @('verify-purchase', 'pns-receiver') | ForEach-Object { @{ Folder = $_ } }
}

BeforeAll {
    if (-not $env:ONESTOREIAP_TEST_MODULE) { throw 'ONESTOREIAP_TEST_MODULE is not set: run the suite through build.ps1 Test.' }
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

Describe 'The example <Folder> (examples/<Folder>)' -ForEach $Folders {
    It 'passes when a user runs it with Invoke-Pester, with the module installed on PSModulePath' {
        $examples = Join-Path $PSScriptRoot '..' '..' 'examples' $Folder
        @(Get-ChildItem $examples -Filter '*.Tests.ps1') | Should -Not -BeNullOrEmpty
        $pester = (Get-Module Pester).Path
        # The staged module's parent folder holds OneStoreIap/<version>/: a module path, as an installed module has.
        $modules = Split-Path (Split-Path (Split-Path $env:ONESTOREIAP_TEST_MODULE))
        $resultFile = Join-Path $TestDrive "$Folder.json"
        $script = Join-Path $TestDrive "$Folder.ps1"
        Set-Content -LiteralPath $script -Encoding utf8 -Value @"
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module '$pester'
`$run = Invoke-Pester -Path '$examples' -PassThru -Output Detailed
@{ Passed = `$run.PassedCount; Failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount } | ConvertTo-Json | Set-Content '$resultFile'
(Get-Module OneStoreIap).ModuleBase
"@
        $output = @(& $Pwsh -NoProfile -NonInteractive -File $script 2>&1 | ForEach-Object { "$_" })
        $counts = Get-Content -Raw $resultFile | ConvertFrom-Json
        # Without terminal colours: escape characters in a failure message would break the suite's XML report.
        $counts.Failed | Should -Be 0 -Because (($output -join [Environment]::NewLine) -replace '\x1b\[[0-9;]*[A-Za-z]', '')
        $counts.Passed | Should -BeGreaterThan 0
        $output[-1] | Should -BeExactly (Split-Path $env:ONESTOREIAP_TEST_MODULE)
    }
}
