# The staged module's help: every exported cmdlet is fully documented, its Markdown page matches its real
# parameters, and every help example runs against a fresh emulator.

BeforeDiscovery {
    if (-not $env:ONESTOREIAP_TEST_MODULE) { throw 'ONESTOREIAP_TEST_MODULE is not set: run the suite through build.ps1 Test.' }
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    $script:Cmdlets = @(Get-Command -Module OneStoreIap -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })

    # One test per example, named after its cmdlet and title. An example that cannot run against the emulator says
    # so in a comment line: '# not run in tests: <reason>'.
    $script:Examples = foreach ($cmdlet in $Cmdlets) {
        $n = 0
        foreach ($example in @((Get-Help $cmdlet.Name -Full).examples.example)) {
            if (-not $example) { continue }
            $n++
            $skip = if ($example.code -match '(?m)^\s*#\s*not run in tests:\s*(.+)$') { $Matches[1].Trim() } else { '' }
            @{ Name = $cmdlet.Name; Number = $n; Title = ($example.title -replace '^-+\s*|\s*-+$', ''); Code = [string]$example.code; SkipReason = $skip }
        }
    }
}

BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'build' 'HelpBuilder.psm1') -Force
    $script:DocsPath = Join-Path $PSScriptRoot '..' '..' 'docs' 'en-US'
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters

    function Get-HelpParameter {
        # Get-Help's parameter entries; a cmdlet without parameters has none (and no 'parameter' property at all).
        param($Help)
        $parameters = $Help.PSObject.Properties['parameters']
        if (-not $parameters -or -not $parameters.Value) { return }
        $entries = $parameters.Value.PSObject.Properties['parameter']
        if ($entries) { @($entries.Value) | Where-Object { $_ } }
    }

    function Get-DocumentedParameter {
        # The parameters a user can use: the common ones are described once by CommonParameters; DontShow ones are
        # plumbing (the whole pipeline object kept as an error target) and not part of the documented surface.
        param([System.Management.Automation.CommandInfo] $Command)
        foreach ($p in $Command.Parameters.Values) {
            $visible = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and -not $_.DontShow })
            if ($p.Name -notin $Common -and $visible.Count -gt 0) { $p }
        }
    }
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Command = Get-Command $Name
        $script:Help = Get-Help $Name -Full
        $script:PagePath = Join-Path $DocsPath "$Name.md"
        $script:Page = if (Test-Path $PagePath) { Read-HelpMarkdown -Path $PagePath }
        $script:RealParameters = @(Get-DocumentedParameter $Command)
    }

    It 'has a Markdown page in docs/en-US' {
        $PagePath | Should -Exist
    }

    It 'has a synopsis' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes up a synopsis from the syntax.
        $Help.Synopsis | Should -Not -BeLike "$Name *"
    }

    It 'has a description' {
        ($Help.description | ForEach-Object Text) -join '' | Should -Match '\w{3,}'
    }

    It 'has at least two examples, each with code' {
        $examples = @($Help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) { $example.code | Should -Match $Name -Because "an example of $Name ($($example.title)) shows $Name" }
    }

    It 'describes every parameter' {
        $helpParameters = @{}
        foreach ($p in Get-HelpParameter $Help) { $helpParameters[$p.name] = $p }
        foreach ($p in $RealParameters) {
            $helpParameters.ContainsKey($p.Name) | Should -BeTrue -Because "-$($p.Name) is a parameter of $Name"
            (($helpParameters[$p.Name].description | ForEach-Object Text) -join '') | Should -Match '\w{3,}' -Because "-$($p.Name) needs a description"
        }
    }

    It 'documents its inputs and outputs' {
        @($Help.inputTypes.inputType | Where-Object { $_.type.name }).Count | Should -BeGreaterThan 0
        @($Help.returnValues.returnValue | Where-Object { $_.type.name }).Count | Should -BeGreaterThan 0
        # Every declared output type is named in the help.
        $documented = @($Help.returnValues.returnValue | ForEach-Object { $_.type.name })
        foreach ($type in $Command.OutputType | Where-Object { $_.Type -and $_.Type -ne [void] }) {
            $documented | Should -Contain $type.Type.FullName -Because "$Name declares [OutputType($($type.Type.FullName))]"
        }
    }

    It 'has a Markdown parameter list that matches the real parameters: none missing, none extra' {
        $documented = @($Page.Parameters | ForEach-Object Name)
        $real = @($RealParameters | ForEach-Object Name)
        $differences = @(
            $real | Where-Object { $_ -notin $documented } | ForEach-Object { "-$_ is not documented" }
            $documented | Where-Object { $_ -notin $real } | ForEach-Object { "-$_ is documented but is not a parameter" }
        )
        $differences | Should -BeNullOrEmpty
        $Page.CommonParameters | Should -BeTrue -Because 'the page has a ### CommonParameters section'
    }

    It 'has yaml that matches each parameter''s type, sets, position, mandatory and pipeline binding' {
        $differences = foreach ($real in $RealParameters) {
            $doc = $Page.Parameters | Where-Object Name -EQ $real.Name
            if (-not $doc) { continue }
            if ($doc.Type -ne $real.ParameterType.Name) { "-$($real.Name): Type is $($real.ParameterType.Name), the page says $($doc.Type)" }
            $allSets = @($Command.ParameterSets | ForEach-Object Name)
            foreach ($set in $real.ParameterSets.Keys) {
                $setNames = if ($set -eq '__AllParameterSets') { $allSets } else { @($set) }
                foreach ($setName in $setNames) {
                    $meta = $real.ParameterSets[$set]
                    $yaml = $doc.Sets | Where-Object { $_.ParameterSets -contains $setName -or ($_.ParameterSets -contains '__AllParameterSets') } | Select-Object -First 1
                    if (-not $yaml) { "-$($real.Name): the page does not put it in parameter set $setName"; continue }
                    $position = if ($meta.Position -ge 0) { "$($meta.Position)" } else { 'Named' }
                    $pipeline = switch ($true) {
                        { $meta.ValueFromPipeline -and $meta.ValueFromPipelineByPropertyName } { 'True (ByValue, ByPropertyName)'; break }
                        { $meta.ValueFromPipeline } { 'True (ByValue)'; break }
                        { $meta.ValueFromPipelineByPropertyName } { 'True (ByPropertyName)'; break }
                        default { 'False' }
                    }
                    if ($yaml.Required -ne $meta.IsMandatory) { "-$($real.Name) in ${setName}: Required is $($meta.IsMandatory)" }
                    if ($yaml.Position -ne $position) { "-$($real.Name) in ${setName}: Position is $position, the page says $($yaml.Position)" }
                    if ($yaml.PipelineInput -ne $pipeline) { "-$($real.Name) in ${setName}: pipeline input is $pipeline, the page says $($yaml.PipelineInput)" }
                }
            }
            foreach ($set in $doc.Sets | ForEach-Object ParameterSets) {
                if ($set -ne '__AllParameterSets' -and -not ($real.ParameterSets.ContainsKey($set) -or $real.ParameterSets.ContainsKey('__AllParameterSets'))) {
                    "-$($real.Name): the page puts it in parameter set $set, where it is not"
                }
            }
        }
        $differences | Should -BeNullOrEmpty
    }

    It 'has a Markdown SYNTAX section with the real parameter sets' {
        # A cmdlet with one parameter set has a lone SYNTAX block, whatever that set is called.
        $real = @(@($Command.ParameterSets | ForEach-Object Name) | Sort-Object)
        if ($real.Count -eq 1) { $real = @('__AllParameterSets') }
        $documented = @(@($Page.Syntax | ForEach-Object Name) | Sort-Object)
        if ($documented.Count -eq 1) { $documented = @('__AllParameterSets') }
        $documented | Should -Be $real
        if ($Command.ParameterSets.Count -gt 1) {
            @($Page.Syntax | Where-Object IsDefault | ForEach-Object Name) | Should -Be @($Command.DefaultParameterSet)
        }
    }
}

Describe 'The about_OneStoreIap topic' {
    It 'is found by Get-Help and covers the module''s topics' {
        $moduleBase = (Get-Module OneStoreIap).ModuleBase
        $old = $env:PSModulePath
        try {
            $env:PSModulePath = (Split-Path (Split-Path $moduleBase)) + [IO.Path]::PathSeparator + $old
            $text = Get-Help about_OneStoreIap | Out-String
        } finally { $env:PSModulePath = $old }
        $text | Should -Match '(?m)^TOPIC\s+about_OneStoreIap'
        foreach ($topic in 'MKT_ONE', 'MKT_GLB', 'sbpp.onestore.net', 'iap-apis.onestore.net', '\+09:00', 'continuationKey', 'ThrottleLimit', 'PageSize', 'Retry', 'SecureString', 'emulator') {
            $text | Should -Match $topic
        }
    }
}

Describe 'Help examples run against a fresh emulator' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        $secret = ConvertTo-SecureString 'sample-client-secret-0000' -AsPlainText -Force
        $script:Credential = [pscredential]::new('com.onestore.sample', $secret)
    }
    AfterAll { $Emulator | Stop-TestEmulator }

    It '<Name> example <Number>: <Title>' -ForEach $Examples {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        # A fresh emulator state, a fresh default connection and a fresh working folder for every example.
        $null = Invoke-EmulatorControl $Emulator reset -Method POST
        Connect-OneStore -BaseUri $Emulator.BaseUri -Credential $Credential
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $work
        # The input file the examples read: rows of the emulator's built-in seed.
        @(
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-ACK-0001'; Type = 'InApp' }
            [pscustomobject]@{ ProductId = '다이아100_20170818000000'; PurchaseToken = 'INAPP-NEW-0001'; Type = 'InApp' }
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-NEW-0003'; Type = 'InApp' }
            [pscustomobject]@{ ProductId = 'monthly_pass'; PurchaseToken = 'AUTO-ACTIVE-0001'; Type = 'Auto' }
            [pscustomobject]@{ ProductId = 'premium_monthly'; PurchaseToken = 'SUB-ACTIVE-0001'; Type = 'Subscription' }
        ) | Export-Csv -Path (Join-Path $work 'purchases.csv') -Encoding utf8
        $example = [scriptblock]::Create($Code)
        Push-Location $work
        try {
            # What a user of the example has: $uri (the emulator) and $credential (its sample app), connected.
            $output = & {
                param($uri, $credential)
                $ErrorActionPreference = 'Stop'
                $ProgressPreference = 'SilentlyContinue'
                . $example
            } $Emulator.BaseUri $Credential 6>&1 | Out-String -Width 200
        } finally {
            Pop-Location
            Disconnect-OneStore
        }
        $output | Should -Not -Match 'System\.Management\.Automation\.ErrorRecord'
    }
}
