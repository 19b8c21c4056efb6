# The build's help generator (build/HelpBuilder.psm1): Markdown pages in, MAML and about text out, read back
# through Get-Help from a throwaway module, and malformed pages refused with a clear error.

BeforeDiscovery {
    # Each case breaks the well-formed page in one way; the generator must name the problem.
    $script:MalformedCases = @(
        @{ Case = 'no front matter'; Replace = '(?s)^---.*?---\r?\n'; With = ''; Message = "*must start with a '---' front matter block*" }
        @{ Case = 'a schema other than 2.0.0'; Replace = 'schema: 2.0.0'; With = 'schema: 1.0.0'; Message = "*schema: 2.0.0*found '1.0.0'*" }
        @{ Case = 'a heading that is not the file name'; Replace = '(?m)^# Get-Widget$'; With = '# Get-Gadget'; Message = "*'# Get-Gadget' does not match the file name 'Get-Widget'*" }
        @{ Case = 'a missing SYNOPSIS'; Replace = '(?s)## SYNOPSIS.*?(?=## SYNTAX)'; With = ''; Message = '*missing section(s): ## SYNOPSIS*' }
        @{ Case = 'an empty SYNOPSIS'; Replace = '(?m)^Gets a widget from the \*\*store\*\*\.$'; With = ''; Message = '*## SYNOPSIS is empty*' }
        @{ Case = 'a missing DESCRIPTION'; Replace = '(?s)## DESCRIPTION.*?(?=## EXAMPLES)'; With = ''; Message = '*missing section(s): ## DESCRIPTION*' }
        @{ Case = 'an unknown section'; Replace = '## NOTES'; With = '## REMARKS'; Message = "*unknown section '## REMARKS'*" }
        @{ Case = 'a parameter without its yaml block'; Replace = '(?s)(### -Id\r?\nThe widget id\.\r?\n\r?\n)```yaml.*?```'; With = '$1'; Message = '*parameter -Id has no yaml block*' }
        @{ Case = 'a yaml block without Type'; Replace = '(?s)(### -Id.*?)Type: Int32\r?\n'; With = '$1'; Message = "*-Id: the yaml block has no 'Type'*" }
        @{ Case = 'an unknown yaml key'; Replace = 'Accept wildcard characters: False'; With = 'Accepts wildcards: False'; Message = "*unknown yaml key 'Accepts wildcards'*" }
        @{ Case = 'Required that is not True or False'; Replace = 'Required: True'; With = 'Required: Yes'; Message = "*'Required' must be True or False, not 'Yes'*" }
        @{ Case = 'a bad Position'; Replace = 'Position: 0'; With = 'Position: first'; Message = "*'Position' must be a number or Named*" }
        @{ Case = 'a parameter set that SYNTAX does not have'; Replace = 'Parameter Sets: ById'; With = 'Parameter Sets: ByKey'; Message = "*names parameter set 'ByKey', which ## SYNTAX does not have*" }
        @{ Case = 'a parameter described twice'; Replace = '### -Market'; With = '### -Id'; Message = '*parameter -Id is described twice*' }
        @{ Case = 'a placeholder description'; Replace = 'The widget id.'; With = '{{ Fill Id Description }}'; Message = '*-Id still holds a placeholder*' }
        @{ Case = 'an example without code'; Replace = '(?s)(### Example 1: Get a widget by name\r?\n)```powershell.*?```'; With = '$1'; Message = "*example 'Example 1: Get a widget by name' has no code block*" }
        @{ Case = 'a syntax block without the cmdlet name'; Replace = 'Get-Widget -Id <Int32>'; With = 'Get-Gadget -Id <Int32>'; Message = "*syntax block of 'ById' must start with 'Get-Widget'*" }
        @{ Case = 'empty INPUTS'; Replace = '(?s)(## INPUTS\r?\n).*?(?=## OUTPUTS)'; With = "`$1`n"; Message = "*## INPUTS is empty; write '### None'*" }
        @{ Case = 'a code block never closed'; Replace = '(Accept wildcard characters: False\r?\n)```(\r?\n\r?\n### CommonParameters)'; With = '$1$2'; Message = '*never closed*' }
        @{ Case = 'another module name'; Replace = 'Module Name: Widgets'; With = 'Module Name: Gadgets'; Message = "*'Module Name: Gadgets' is not 'Widgets'*" }
        @{ Case = 'a related link that is not a link'; Replace = [regex]::Escape('[Widgets online](https://example.org/widgets)'); With = 'see the website'; Message = '*related links are ''`[text`](uri)''*' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'build' 'HelpBuilder.psm1') -Force

    # A well-formed page in platyPS v1 layout, covering what our help uses: two parameter sets, a positional
    # parameter, accepted values, a switch, pipeline input, aliases, multi-line example code, inline Markdown.
    $script:WidgetPage = @'
---
external help file: Widgets.dll-Help.xml
Module Name: Widgets
online version: https://example.org/Get-Widget
schema: 2.0.0
---

# Get-Widget

## SYNOPSIS
Gets a widget from the **store**.

## SYNTAX

### ByName (Default)
```
Get-Widget [-Name] <String> [-Market <String>] [-PassThru] [<CommonParameters>]
```

### ById
```
Get-Widget -Id <Int32> [-Market <String>] [<CommonParameters>]
```

## DESCRIPTION
The `Get-Widget` cmdlet gets a widget
from [the store](https://example.org/store), see [Set-Widget](Set-Widget.md).

- by name
- by id,
  or both

## EXAMPLES

### Example 1: Get a widget by name
```powershell
Get-Widget -Name 'first'
```

This gets the widget named first.

### Example 2: Get widgets by id from a CSV file
```powershell
Import-Csv widgets.csv |
    Get-Widget |
    Export-Csv out.csv
```

Each row's Id is bound by property name.

## PARAMETERS

### -Name
The widget name.

```yaml
Type: String
Parameter Sets: ByName
Aliases: WidgetName

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Id
The widget id.

```yaml
Type: Int32
Parameter Sets: ById
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Market
The market, `MKT_ONE` when omitted.

```yaml
Type: String
Parameter Sets: (All)
Aliases:
Accepted values: MKT_ONE, MKT_GLB

Required: False
Position: Named
Default value: MKT_ONE
Accept pipeline input: False
Accept wildcard characters: False
```

### -PassThru
Returns the widget again.

```yaml
Type: SwitchParameter
Parameter Sets: ByName
Aliases:

Required: False
Position: Named
Default value: False
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
This cmdlet supports the common parameters. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).

## INPUTS

### System.Int32
A widget id, by property name.

## OUTPUTS

### Widgets.Widget
The widget.

## NOTES
Widgets are cached for \*one\* minute.

## RELATED LINKS

[Set-Widget](Set-Widget.md)

[Widgets online](https://example.org/widgets)
'@

    # A page with a single parameter set: a lone SYNTAX block, no ### set heading.
    $script:ClearPage = @'
---
external help file: Widgets.dll-Help.xml
Module Name: Widgets
online version:
schema: 2.0.0
---

# Clear-Widget

## SYNOPSIS
Clears every widget.

## SYNTAX

```
Clear-Widget [-Force] [<CommonParameters>]
```

## DESCRIPTION
Clears them all.

## EXAMPLES

### Example 1: Clear
```powershell
Clear-Widget -Force
```

## PARAMETERS

### -Force
Does not ask.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: False
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### None

## OUTPUTS

### None

## NOTES

## RELATED LINKS
'@

    $script:AboutPage = @'
# about_Widgets

## SHORT DESCRIPTION
Describes how widgets work.

## LONG DESCRIPTION
Widgets are kept in a store. This sentence is long enough that the plain text must wrap it at eighty columns wide.

### Markets
- `MKT_ONE`: Korea, the default when no market is given by the caller of any widget cmdlet
- `MKT_GLB`: global

```powershell
Get-Widget -Market MKT_GLB
```
'@

    function New-HelpSource {
        # Writes pages into a fresh folder under TestDrive and returns it.
        param([hashtable] $Pages)
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $dir
        foreach ($name in $Pages.Keys) { Set-Content -LiteralPath (Join-Path $dir "$name.md") -Value $Pages[$name] -Encoding utf8 }
        $dir
    }
}

Describe 'ConvertTo-MamlHelp on well-formed pages' {
    BeforeAll {
        # A throwaway script module whose functions take their help from the generated MAML (.EXTERNALHELP),
        # so Get-Help reads the file the way it reads a binary module's help.
        $script:ModuleName = 'Widgets'
        $source = New-HelpSource @{ 'Get-Widget' = $WidgetPage; 'Clear-Widget' = $ClearPage; 'about_Widgets' = $AboutPage }
        $script:ModuleRoot = Join-Path $TestDrive 'modules'
        $moduleDir = Join-Path $ModuleRoot $ModuleName
        $null = New-Item -ItemType Directory -Force $moduleDir
        $script:Written = ConvertTo-MamlHelp -Path $source -ModuleName $ModuleName -OutputPath (Join-Path $moduleDir 'en-US') -PassThru
        Set-Content -LiteralPath (Join-Path $moduleDir "$ModuleName.psm1") -Encoding utf8 -Value @'
function Get-Widget {
    # .EXTERNALHELP Widgets.dll-Help.xml
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'ByName', ValueFromPipelineByPropertyName)][Alias('WidgetName')][string] $Name,
        [Parameter(Mandatory, ParameterSetName = 'ById', ValueFromPipelineByPropertyName)][int] $Id,
        [ValidateSet('MKT_ONE', 'MKT_GLB')][string] $Market = 'MKT_ONE',
        [Parameter(ParameterSetName = 'ByName')][switch] $PassThru
    )
}
function Clear-Widget {
    # .EXTERNALHELP Widgets.dll-Help.xml
    [CmdletBinding()]
    param([switch] $Force)
}
'@
        Import-Module (Join-Path $moduleDir "$ModuleName.psm1") -Force
        $script:Help = Get-Help Get-Widget -Full
        $script:ClearHelp = Get-Help Clear-Widget -Full
        $xmlPath = Join-Path $moduleDir 'en-US' "$ModuleName.dll-Help.xml"
        $script:Xml = [xml](Get-Content -Raw -LiteralPath $xmlPath)
        $script:NsMgr = [System.Xml.XmlNamespaceManager]::new($Xml.NameTable)
        $NsMgr.AddNamespace('msh', 'http://msh')
        $NsMgr.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $NsMgr.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $NsMgr.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    }
    AfterAll { Remove-Module $ModuleName -ErrorAction SilentlyContinue }

    It 'writes the MAML file and one about text file, and returns them with -PassThru' {
        @($Written | ForEach-Object Name) | Should -Be @('Widgets.dll-Help.xml', 'about_Widgets.help.txt')
    }

    It 'writes one command:command per cmdlet page under a MAML helpItems root' {
        $Xml.DocumentElement.LocalName | Should -BeExactly 'helpItems'
        $Xml.DocumentElement.GetAttribute('schema') | Should -BeExactly 'maml'
        $names = $Xml.SelectNodes('/msh:helpItems/command:command/command:details/command:name', $NsMgr) | ForEach-Object InnerText
        $names | Should -Be @('Clear-Widget', 'Get-Widget')
    }

    It 'gives Get-Help the synopsis, with inline Markdown removed' {
        $Help.Synopsis | Should -BeExactly 'Gets a widget from the store.'
    }

    It 'gives Get-Help the description: prose joined, links as text, the list kept one item a line' {
        $paras = @($Help.description | ForEach-Object { $_.Text.TrimEnd() })
        $paras[0] | Should -BeExactly 'The `Get-Widget` cmdlet gets a widget from the store (https://example.org/store), see Set-Widget.'
        $paras[1] | Should -BeExactly "- by name`n- by id, or both"
        $paras.Count | Should -Be 2
    }

    It 'writes one syntax item per parameter set, with that set''s parameters, positional ones first' {
        $items = @($Help.syntax.syntaxItem)
        $items.Count | Should -Be 2
        @($items[0].parameter | ForEach-Object name) | Should -Be @('Name', 'Market', 'PassThru')
        @($items[1].parameter | ForEach-Object name) | Should -Be @('Id', 'Market')
        $items[0].parameter[0].position | Should -Be '0'
        $items[1].parameter[0].required | Should -Be 'true'
    }

    It 'shows accepted values and switches in the syntax the way Get-Help prints them' {
        $text = ($Help | Out-String -Width 300)
        $text | Should -Match ([regex]::Escape('Get-Widget [-Name] <String> [-Market {MKT_ONE | MKT_GLB}] [-PassThru] [<CommonParameters>]'))
        $text | Should -Match ([regex]::Escape('Get-Widget -Id <Int32> [-Market {MKT_ONE | MKT_GLB}] [<CommonParameters>]'))
    }

    It 'maps every parameter''s description and yaml fields' {
        $byName = @{}
        foreach ($p in $Help.parameters.parameter) { $byName[$p.name] = $p }
        $byName.Keys | Sort-Object | Should -Be @('Id', 'Market', 'Name', 'PassThru')
        $byName.Name.description.Text | Should -BeExactly 'The widget name.'
        $byName.Name.type.name | Should -BeExactly 'String'
        $byName.Name.required | Should -Be 'true'
        $byName.Name.position | Should -Be '0'
        $byName.Name.pipelineInput | Should -BeExactly 'True (ByPropertyName)'
        $byName.Name.aliases | Should -BeExactly 'WidgetName'
        $byName.Market.defaultValue | Should -BeExactly 'MKT_ONE'
        $byName.Market.description.Text | Should -BeExactly 'The market, `MKT_ONE` when omitted.'
        @($byName.Market.parameterValueGroup.parameterValue | ForEach-Object { "$_" }) | Should -Be @('MKT_ONE', 'MKT_GLB')
        $byName.Id.position | Should -Be 'named'
        $byName.Id.aliases | Should -Be 'none'
        $byName.PassThru.type.name | Should -BeExactly 'SwitchParameter'
        $byName.PassThru.required | Should -Be 'false'
    }

    It 'maps examples: title, the code without fences, and the remarks' {
        $examples = @($Help.examples.example)
        $examples.Count | Should -Be 2
        $examples[0].title | Should -Match '^-+ Example 1: Get a widget by name -+$'
        $examples[0].code | Should -BeExactly "Get-Widget -Name 'first'"
        $examples[0].remarks[0].Text | Should -BeExactly 'This gets the widget named first.'
        $examples[1].code | Should -BeExactly "Import-Csv widgets.csv |`n    Get-Widget |`n    Export-Csv out.csv"
        $examples[1].remarks[0].Text | Should -BeExactly "Each row's Id is bound by property name."
    }

    It 'maps inputs and outputs with their descriptions' {
        $Help.inputTypes.inputType.type.name | Should -BeExactly 'System.Int32'
        $Help.inputTypes.inputType.description.Text | Should -BeExactly 'A widget id, by property name.'
        $Help.returnValues.returnValue.type.name | Should -BeExactly 'Widgets.Widget'
        $Help.returnValues.returnValue.description.Text | Should -BeExactly 'The widget.'
    }

    It 'maps notes (escapes removed) and related links (the online version first)' {
        $Help.alertSet.alert.Text | Should -BeExactly 'Widgets are cached for *one* minute.'
        $links = @($Help.relatedLinks.navigationLink)
        $links.Count | Should -Be 3
        $links[0].linkText | Should -BeExactly 'Online Version:'
        $links[0].uri | Should -BeExactly 'https://example.org/Get-Widget'
        $links[1].linkText | Should -BeExactly 'Set-Widget'
        $links[1].uri | Should -BeNullOrEmpty
        $links[2].uri | Should -BeExactly 'https://example.org/widgets'
    }

    It 'reads a page with a lone SYNTAX block as one parameter set holding every parameter' {
        $ClearHelp.Synopsis | Should -BeExactly 'Clears every widget.'
        @($ClearHelp.syntax.syntaxItem).Count | Should -Be 1
        @($ClearHelp.syntax.syntaxItem.parameter | ForEach-Object name) | Should -Be @('Force')
        $ClearHelp.inputTypes.inputType.type.name | Should -BeExactly 'None'
        $Xml.SelectNodes("//command:command[command:details/command:name='Clear-Widget']/command:relatedLinks/maml:navigationLink", $NsMgr).Count |
            Should -Be 0
    }

    It 'writes the about topic as plain text that Get-Help finds' {
        $old = $env:PSModulePath
        try {
            $env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $old
            $text = Get-Help about_Widgets | Out-String
        } finally { $env:PSModulePath = $old }
        $text | Should -Match '(?m)^TOPIC\r?\n    about_Widgets$'
        $text | Should -Match '(?m)^SHORT DESCRIPTION\r?\n    Describes how widgets work\.$'
        $text | Should -Match '(?m)^  Markets$'
        $text | Should -Match '(?m)^        Get-Widget -Market MKT_GLB$'
        $text | Should -Not -Match '```|^#'
        # Wrapped at 80 columns; a wrapped list item continues under its text.
        @($text -split '\r?\n' | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
        $text | Should -Match '(?m)^    - `MKT_ONE`: Korea, .*\r?\n      \S'
    }

    It 'writes nothing to the pipeline without -PassThru' {
        $source = New-HelpSource @{ 'Clear-Widget' = $ClearPage }
        ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath (Join-Path $TestDrive 'quiet') | Should -BeNullOrEmpty
        Join-Path $TestDrive 'quiet' 'Widgets.dll-Help.xml' | Should -Exist
    }
}

Describe 'Read-HelpMarkdown' {
    It 'returns the parameter names and their per-set yaml, for the help tests to compare with real cmdlets' {
        $source = New-HelpSource @{ 'Get-Widget' = $WidgetPage }
        $page = Read-HelpMarkdown -Path (Join-Path $source 'Get-Widget.md')
        @($page.Parameters | ForEach-Object Name) | Should -Be @('Name', 'Id', 'Market', 'PassThru')
        $page.CommonParameters | Should -BeTrue
        @($page.Syntax | Where-Object IsDefault | ForEach-Object Name) | Should -Be @('ByName')
        $page.Parameters[2].Sets[0].ParameterSets | Should -Be @('__AllParameterSets')
    }
}

Describe 'ConvertTo-MamlHelp on malformed pages' {
    It 'refuses <Case> with a clear error naming the file, and writes nothing' -ForEach $MalformedCases {
        $broken = [regex]::Replace($WidgetPage, $Replace, $With)
        $broken | Should -Not -BeExactly $WidgetPage -Because 'the case must actually change the page'
        $source = New-HelpSource @{ 'Get-Widget' = $broken }
        $out = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        { ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath $out } |
            Should -Throw -ErrorId 'MalformedHelpPage,ConvertTo-MamlHelp' -ExceptionType ([System.FormatException]) -ExpectedMessage "*Get-Widget.md*"
        $err = { ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath $out } | Should -Throw -ErrorId 'MalformedHelpPage,ConvertTo-MamlHelp' -PassThru
        $err.Exception.Message | Should -BeLike $Message
        Join-Path $out 'Widgets.dll-Help.xml' | Should -Not -Exist
    }

    It 'reports every malformed page at once, not just the first' {
        $source = New-HelpSource @{
            'Get-Widget'   = $WidgetPage -replace 'Required: True', 'Required: Yes'
            'Clear-Widget' = $ClearPage -replace '(?s)## SYNOPSIS.*?(?=## SYNTAX)', ''
        }
        $err = { ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath (Join-Path $TestDrive 'x') } | Should -Throw -ErrorId 'MalformedHelpPage,ConvertTo-MamlHelp' -PassThru
        $err.Exception.Message | Should -BeLike '*2 malformed page(s)*'
        $err.Exception.Message | Should -BeLike '*Clear-Widget.md*## SYNOPSIS*'
        $err.Exception.Message | Should -BeLike "*Get-Widget.md*'Required' must be True or False*"
    }

    It 'refuses an about topic without its SHORT DESCRIPTION' {
        $source = New-HelpSource @{ 'Clear-Widget' = $ClearPage; 'about_Widgets' = ($AboutPage -replace '(?s)## SHORT DESCRIPTION.*?(?=## LONG)', '') }
        { ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath (Join-Path $TestDrive 'y') } |
            Should -Throw -ErrorId 'MalformedHelpPage,ConvertTo-MamlHelp' -ExpectedMessage "*about_Widgets.md*missing section '## SHORT DESCRIPTION'*"
    }

    It 'refuses a folder without any cmdlet page' {
        $source = New-HelpSource @{ 'about_Widgets' = $AboutPage }
        { ConvertTo-MamlHelp -Path $source -ModuleName Widgets -OutputPath (Join-Path $TestDrive 'z') } |
            Should -Throw -ErrorId 'NoCmdletHelpPage,ConvertTo-MamlHelp' -ExpectedMessage '*No cmdlet help page*'
    }
}
