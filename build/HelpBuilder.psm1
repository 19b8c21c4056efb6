<#
    The build's help generator: turns platyPS-style Markdown (one file per cmdlet, schema 2.0.0) into the MAML file
    that Get-Help reads for a binary module, and about_*.md topics into plain-text about_*.help.txt files.

    platyPS is not available from the registries this project can reach, so this covers the subset of platyPS v1's
    layout that our help uses, and refuses anything it does not understand rather than dropping it silently.
#>
Set-StrictMode -Version Latest

$script:Ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

$script:RequiredSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS')
$script:OptionalSections = @('NOTES', 'RELATED LINKS')
$script:YamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters', 'Applicable')
$script:RequiredYamlKeys = @('Type', 'Parameter Sets', 'Required', 'Position')
$script:AllSets = '__AllParameterSets'

function New-HelpFormatError {
    # One shape for every complaint: the file, the line, and what is wrong, so a broken page is found at once.
    param([string] $File, [int] $Line, [string] $Message)
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    [System.FormatException]::new("Help Markdown ${where}: $Message")
}

#region Markdown reading

function Get-MarkdownNode {
    # Splits the body into headings (levels 1-3) and the lines under each, leaving fenced code intact.
    param([string] $File, [object[]] $Lines, [int] $FirstLine)
    $nodes = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Level = 0; Title = ''; Line = 0; Content = [System.Collections.Generic.List[object]]::new() }
    $nodes.Add($current)
    $fence = $null
    for ($i = $FirstLine; $i -lt $Lines.Count; $i++) {
        $text = $Lines[$i]
        $number = $i + 1
        if ($fence) {
            if ($text -match '^\s*(`{3,}|~{3,})\s*$' -and $Matches[1][0] -eq $fence[0] -and $Matches[1].Length -ge $fence.Length) { $fence = $null }
        } elseif ($text -match '^\s*(`{3,}|~{3,})') {
            $fence = $Matches[1]
        } elseif ($text -match '^(#{1,3})\s+(.+?)\s*#*\s*$') {
            $current = [pscustomobject]@{
                Level = $Matches[1].Length; Title = $Matches[2].Trim(); Line = $number
                Content = [System.Collections.Generic.List[object]]::new()
            }
            $nodes.Add($current)
            continue
        } elseif ($text -match '^#{4,}\s') {
            throw (New-HelpFormatError $File $number "headings deeper than ### are not supported: '$text'.")
        }
        $current.Content.Add([pscustomobject]@{ Number = $number; Text = $text })
    }
    if ($fence) { throw (New-HelpFormatError $File 0 "a code block opened with $fence is never closed.") }
    $nodes
}

function Split-MarkdownBlock {
    # Content lines -> blocks: fenced code (with its info string) or runs of non-blank lines.
    param([string] $File, [object[]] $Content)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Content.Count) {
        $line = $Content[$i]
        if ($line.Text -match '^\s*$') { $i++; continue }
        if ($line.Text -match '^\s*(`{3,}|~{3,})\s*([^`\s]*)') {
            $fence = $Matches[1]; $lang = $Matches[2]
            $body = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Content.Count -and -not ($Content[$i].Text -match '^\s*(`{3,}|~{3,})\s*$' -and $Matches[1][0] -eq $fence[0])) {
                $body.Add($Content[$i].Text); $i++
            }
            if ($i -ge $Content.Count) { throw (New-HelpFormatError $File $line.Number 'a code block is never closed.') }
            $i++
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $lang; Lines = [string[]]$body; Line = $line.Number })
            continue
        }
        $run = [System.Collections.Generic.List[string]]::new()
        $start = $line.Number
        while ($i -lt $Content.Count -and $Content[$i].Text -notmatch '^\s*$' -and $Content[$i].Text -notmatch '^\s*(`{3,}|~{3,})') {
            $run.Add($Content[$i].Text); $i++
        }
        $blocks.Add([pscustomobject]@{ Kind = 'Text'; Language = ''; Lines = [string[]]$run; Line = $start })
    }
    $blocks.ToArray()
}

function ConvertFrom-MarkdownInline {
    # Inline Markdown to plain help text: links become "text (uri)" (or just text for links to other pages),
    # bold markers and backslash escapes go; `code` spans stay as they are, backticks included.
    param([string] $Text)
    $parts = [regex]::Split($Text, '(`[^`]*`)')
    $out = foreach ($part in $parts) {
        if ($part.StartsWith('`')) { $part; continue }
        $p = [regex]::Replace($part, '\[([^\]]+)\]\(([^)\s]+)\)', {
                param($m)
                $target = $m.Groups[2].Value
                if ($target -match '^https?://') { "$($m.Groups[1].Value) ($target)" } else { $m.Groups[1].Value }
            })
        $p = $p -replace '\*\*(.+?)\*\*', '$1' -replace '(?<![\w\\])__(.+?)__(?!\w)', '$1'
        $p -replace '\\([\\`*_{}\[\]()#+\-.!<>|])', '$1'
    }
    ($out -join '').Trim()
}

function ConvertTo-HelpParagraph {
    # Blocks -> paragraphs for MAML: prose lines are joined; a list or table stays one paragraph, one line per
    # item or row; a code block keeps its lines, indented.
    param([object[]] $Blocks)
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Code') {
            ($block.Lines | ForEach-Object { "    $_" }) -join "`n"
            continue
        }
        $lines = $block.Lines
        if ($lines[0] -match '^\s*\|') {
            ($lines | ForEach-Object { $_.Trim() }) -join "`n"
        } elseif ($lines[0] -match '^\s*([-*+]|\d+\.)\s+') {
            $items = [System.Collections.Generic.List[string]]::new()
            foreach ($l in $lines) {
                if ($l -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
                    $bullet = if ($Matches[1] -match '\d') { $Matches[1] } else { '-' }
                    $items.Add("$bullet $(ConvertFrom-MarkdownInline $Matches[2])")
                } else {
                    $items[$items.Count - 1] += ' ' + (ConvertFrom-MarkdownInline $l)
                }
            }
            $items -join "`n"
        } else {
            ConvertFrom-MarkdownInline (($lines | ForEach-Object { $_.Trim() }) -join ' ')
        }
    }
}

function Read-FrontMatter {
    param([string] $File, [string[]] $Lines)
    $first = 0
    while ($first -lt $Lines.Count -and $Lines[$first] -match '^\s*$') { $first++ }
    if ($first -ge $Lines.Count -or $Lines[$first].Trim() -ne '---') {
        throw (New-HelpFormatError $File ($first + 1) "the file must start with a '---' front matter block (external help file, Module Name, online version, schema).")
    }
    $meta = [ordered]@{}
    for ($i = $first + 1; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i].Trim() -eq '---') {
            if ($meta['schema'] -ne '2.0.0') {
                throw (New-HelpFormatError $File ($first + 1) "the front matter must say 'schema: 2.0.0' (platyPS layout); found '$($meta['schema'])'.")
            }
            return [pscustomobject]@{ Metadata = $meta; NextLine = $i + 1 }
        }
        if ($Lines[$i] -match '^\s*$') { continue }
        if ($Lines[$i] -notmatch '^([^:]+):\s*(.*)$') {
            throw (New-HelpFormatError $File ($i + 1) "front matter lines are 'key: value'; found '$($Lines[$i])'.")
        }
        $meta[$Matches[1].Trim()] = $Matches[2].Trim()
    }
    throw (New-HelpFormatError $File ($first + 1) "the front matter block is never closed with '---'.")
}

function Read-ParameterYaml {
    param([string] $File, [object] $Block, [string] $Parameter)
    $values = @{}
    $n = $Block.Line
    foreach ($l in $Block.Lines) {
        $n++
        if ($l -match '^\s*$') { continue }
        if ($l -notmatch '^([A-Za-z ]+):\s*(.*)$') {
            throw (New-HelpFormatError $File $n "-${Parameter}: yaml lines are 'Key: value'; found '$l'.")
        }
        $key = $Matches[1].Trim(); $value = $Matches[2].Trim()
        $known = $script:YamlKeys | Where-Object { $_ -eq $key }
        if (-not $known) { throw (New-HelpFormatError $File $n "-${Parameter}: unknown yaml key '$key' (known: $($script:YamlKeys -join ', ')).") }
        $values[$known] = $value
    }
    foreach ($key in $script:RequiredYamlKeys) {
        if (-not $values.ContainsKey($key) -or -not $values[$key]) {
            throw (New-HelpFormatError $File $Block.Line "-${Parameter}: the yaml block has no '$key'.")
        }
    }
    $bool = {
        param($key, $default)
        $v = if ($values.ContainsKey($key) -and $values[$key]) { $values[$key] } else { $default }
        if ($v -notin 'True', 'False') { throw (New-HelpFormatError $File $Block.Line "-${Parameter}: '$key' must be True or False, not '$v'.") }
        $v -eq 'True'
    }
    $required = & $bool 'Required' 'False'
    $globbing = & $bool 'Accept wildcard characters' 'False'
    $position = $values['Position']
    if ($position -ne 'Named' -and $position -notmatch '^\d+$') {
        throw (New-HelpFormatError $File $Block.Line "-${Parameter}: 'Position' must be a number or Named, not '$position'.")
    }
    $pipeline = if ($values.ContainsKey('Accept pipeline input') -and $values['Accept pipeline input']) { $values['Accept pipeline input'] } else { 'False' }
    if ($pipeline -notmatch '^(False|True \((ByValue|ByPropertyName|ByValue, ByPropertyName)\))$') {
        throw (New-HelpFormatError $File $Block.Line "-${Parameter}: 'Accept pipeline input' must be False, True (ByValue), True (ByPropertyName) or True (ByValue, ByPropertyName), not '$pipeline'.")
    }
    $split = { param($v) @(if ($v) { $v -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } }) }
    $sets = & $split $values['Parameter Sets']
    [pscustomobject]@{
        Type           = $values['Type']
        ParameterSets  = [string[]]$(if ($sets -contains '(All)') { @($script:AllSets) } else { $sets })
        Aliases        = [string[]](& $split $values['Aliases'])
        AcceptedValues = [string[]](& $split $values['Accepted values'])
        Required       = $required
        Position       = $position
        DefaultValue   = if ($values.ContainsKey('Default value') -and $values['Default value']) { $values['Default value'] } else { 'None' }
        PipelineInput  = $pipeline
        Globbing       = $globbing
    }
}

function Read-HelpMarkdown {
    <#
    .SYNOPSIS
        Parses one cmdlet's help Markdown (platyPS v1 layout, schema 2.0.0) into an object; throws on a malformed file.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string] $Path
    )
    process {
        $file = (Resolve-Path -LiteralPath $Path -ErrorAction Stop).ProviderPath
        $lines = [System.IO.File]::ReadAllLines($file)
        $front = Read-FrontMatter $file $lines
        $nodes = @(Get-MarkdownNode $file $lines $front.NextLine)

        $stray = @($nodes[0].Content | Where-Object { $_.Text -notmatch '^\s*$' })
        if ($stray) { throw (New-HelpFormatError $file $stray[0].Number "text before the '# Cmdlet-Name' heading: '$($stray[0].Text)'.") }
        $h1 = @($nodes | Where-Object Level -EQ 1)
        if ($h1.Count -ne 1) { throw (New-HelpFormatError $file 0 "expected exactly one '# Cmdlet-Name' heading; found $($h1.Count).") }
        if ($nodes.Count -lt 2 -or $nodes[1].Level -ne 1) { throw (New-HelpFormatError $file $nodes[1].Line "the first heading must be '# Cmdlet-Name'.") }
        $name = $h1[0].Title
        $expected = [System.IO.Path]::GetFileNameWithoutExtension($file)
        if ($name -cne $expected) { throw (New-HelpFormatError $file $h1[0].Line "the heading '# $name' does not match the file name '$expected'.") }
        if ($name -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw (New-HelpFormatError $file $h1[0].Line "'$name' is not a Verb-Noun command name.") }
        $stray = @($h1[0].Content | Where-Object { $_.Text -notmatch '^\s*$' })
        if ($stray) { throw (New-HelpFormatError $file $stray[0].Number "text between '# $name' and '## SYNOPSIS': '$($stray[0].Text)'.") }

        # Sections: each ## with the ### under it.
        $sections = [ordered]@{}
        $section = $null
        foreach ($node in $nodes | Select-Object -Skip 2) {
            if ($node.Level -eq 1) { throw (New-HelpFormatError $file $node.Line "a second '#' heading: '$($node.Title)'.") }
            if ($node.Level -eq 2) {
                $title = $node.Title.ToUpperInvariant()
                if ($title -notin ($script:RequiredSections + $script:OptionalSections)) {
                    throw (New-HelpFormatError $file $node.Line "unknown section '## $($node.Title)' (known: $(($script:RequiredSections + $script:OptionalSections) -join ', ')).")
                }
                if ($sections.Contains($title)) { throw (New-HelpFormatError $file $node.Line "a second '## $title' section.") }
                $section = [pscustomobject]@{ Title = $title; Line = $node.Line; Content = $node.Content; Children = [System.Collections.Generic.List[object]]::new() }
                $sections[$title] = $section
            } else {
                if (-not $section) { throw (New-HelpFormatError $file $node.Line "'### $($node.Title)' outside any '##' section.") }
                $section.Children.Add($node)
            }
        }
        $missing = @($script:RequiredSections | Where-Object { -not $sections.Contains($_) })
        if ($missing) { throw (New-HelpFormatError $file 0 "missing section(s): $(($missing | ForEach-Object { "## $_" }) -join ', ').") }

        $textOf = {
            param($sectionOrNode, [string] $what)
            $blocks = Split-MarkdownBlock $file $sectionOrNode.Content
            [string[]]@(ConvertTo-HelpParagraph $blocks)
        }
        $noChildren = {
            param($s)
            if ($s.Children.Count) { throw (New-HelpFormatError $file $s.Children[0].Line "'## $($s.Title)' takes no '###' headings.") }
        }

        & $noChildren $sections['SYNOPSIS']
        $synopsis = (& $textOf $sections['SYNOPSIS']) -join ' '
        if (-not $synopsis.Trim()) { throw (New-HelpFormatError $file $sections['SYNOPSIS'].Line '## SYNOPSIS is empty.') }
        if ($synopsis -match '\{\{.*\}\}') { throw (New-HelpFormatError $file $sections['SYNOPSIS'].Line "## SYNOPSIS still holds a placeholder: '$synopsis'.") }

        & $noChildren $sections['DESCRIPTION']
        $description = & $textOf $sections['DESCRIPTION']
        if (-not $description) { throw (New-HelpFormatError $file $sections['DESCRIPTION'].Line '## DESCRIPTION is empty.') }

        # SYNTAX: one '### SetName' (optionally ' (Default)') and a code block per parameter set, or a lone block.
        $syntax = [System.Collections.Generic.List[object]]::new()
        $syn = $sections['SYNTAX']
        $syntaxParts = if ($syn.Children.Count) { $syn.Children } else { @([pscustomobject]@{ Title = $script:AllSets; Line = $syn.Line; Content = $syn.Content }) }
        if ($syn.Children.Count -and @(Split-MarkdownBlock $file $syn.Content).Count) {
            throw (New-HelpFormatError $file $syn.Line '## SYNTAX has text before its first ### parameter set.')
        }
        foreach ($part in $syntaxParts) {
            $blocks = @(Split-MarkdownBlock $file $part.Content)
            if ($blocks.Count -ne 1 -or $blocks[0].Kind -ne 'Code') {
                throw (New-HelpFormatError $file $part.Line "the syntax of '$($part.Title)' must be exactly one code block.")
            }
            $code = ($blocks[0].Lines -join "`n").Trim()
            if (-not $code.StartsWith($name, [StringComparison]::OrdinalIgnoreCase)) {
                throw (New-HelpFormatError $file $blocks[0].Line "the syntax block of '$($part.Title)' must start with '$name'.")
            }
            $setName = $part.Title -replace '\s+\(Default\)$', ''
            if ($syntax | Where-Object Name -EQ $setName) { throw (New-HelpFormatError $file $part.Line "parameter set '$setName' appears twice in ## SYNTAX.") }
            $syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $part.Title -match '\(Default\)$'; Text = $code })
        }

        # EXAMPLES: '### Example N: title', then optional text, one or more code blocks, then remarks.
        $examples = foreach ($node in $sections['EXAMPLES'].Children) {
            $blocks = @(Split-MarkdownBlock $file $node.Content)
            $firstCode = [array]::FindIndex($blocks, [Predicate[object]] { param($b) $b.Kind -eq 'Code' })
            if ($firstCode -lt 0) { throw (New-HelpFormatError $file $node.Line "example '$($node.Title)' has no code block.") }
            $codeBlocks = @($blocks | Where-Object Kind -EQ 'Code')
            $after = @($blocks | Select-Object -Skip ($firstCode + 1) | Where-Object Kind -EQ 'Text')
            [pscustomobject]@{
                Title        = $node.Title
                Introduction = [string[]]@(if ($firstCode -gt 0) { ConvertTo-HelpParagraph ($blocks[0..($firstCode - 1)]) })
                Code         = (($codeBlocks | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n").Trim("`n")
                Remarks      = [string[]]@(ConvertTo-HelpParagraph $after)
                Line         = $node.Line
            }
        }
        if (@(Split-MarkdownBlock $file $sections['EXAMPLES'].Content).Count) {
            throw (New-HelpFormatError $file $sections['EXAMPLES'].Line "## EXAMPLES holds text outside an '### Example' heading.")
        }

        # PARAMETERS: '### -Name', its description, then one yaml block per parameter-set group; '### CommonParameters'.
        $parameters = [System.Collections.Generic.List[object]]::new()
        $commonParameters = $false
        if (@(Split-MarkdownBlock $file $sections['PARAMETERS'].Content).Count) {
            throw (New-HelpFormatError $file $sections['PARAMETERS'].Line "## PARAMETERS holds text outside a '### -Name' heading.")
        }
        foreach ($node in $sections['PARAMETERS'].Children) {
            if ($node.Title -eq 'CommonParameters') { $commonParameters = $true; continue }
            if ($node.Title -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') {
                throw (New-HelpFormatError $file $node.Line "parameter headings are '### -Name' or '### CommonParameters'; found '### $($node.Title)'.")
            }
            $pname = $Matches[1]
            if ($parameters | Where-Object Name -EQ $pname) { throw (New-HelpFormatError $file $node.Line "parameter -$pname is described twice.") }
            $blocks = @(Split-MarkdownBlock $file $node.Content)
            $yaml = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
            if (-not $yaml) { throw (New-HelpFormatError $file $node.Line "parameter -$pname has no yaml block (Type, Parameter Sets, Aliases, Required, Position, ...).") }
            $other = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -ne 'yaml' })
            if ($other) { throw (New-HelpFormatError $file $other[0].Line "parameter -${pname}: only yaml code blocks belong under a parameter.") }
            $metadata = @($yaml | ForEach-Object { Read-ParameterYaml $file $_ $pname })
            foreach ($m in $metadata | Select-Object -Skip 1) {
                if ($m.Type -ne $metadata[0].Type) { throw (New-HelpFormatError $file $node.Line "parameter -${pname}: its yaml blocks disagree on the type.") }
            }
            $desc = [string[]]@(ConvertTo-HelpParagraph @($blocks | Where-Object Kind -EQ 'Text'))
            if (($desc -join ' ') -match '\{\{.*\}\}') { throw (New-HelpFormatError $file $node.Line "parameter -$pname still holds a placeholder description.") }
            $parameters.Add([pscustomobject]@{
                    Name           = $pname
                    Description    = $desc
                    Type           = $metadata[0].Type
                    Aliases        = $metadata[0].Aliases
                    AcceptedValues = $metadata[0].AcceptedValues
                    DefaultValue   = $metadata[0].DefaultValue
                    PipelineInput  = $metadata[0].PipelineInput
                    Globbing       = $metadata[0].Globbing
                    Required       = $metadata[0].Required
                    Position       = $metadata[0].Position
                    Sets           = $metadata
                    Line           = $node.Line
                })
        }
        $setNames = @($syntax | ForEach-Object Name)
        foreach ($p in $parameters) {
            foreach ($s in $p.Sets | ForEach-Object ParameterSets) {
                if ($s -ne $script:AllSets -and $s -notin $setNames) {
                    throw (New-HelpFormatError $file $p.Line "parameter -$($p.Name) names parameter set '$s', which ## SYNTAX does not have (it has: $($setNames -join ', ')).")
                }
            }
        }

        $typed = {
            param($s)
            if (@(Split-MarkdownBlock $file $s.Content).Count) {
                throw (New-HelpFormatError $file $s.Line "## $($s.Title) lists each type under its own '### TypeName' heading.")
            }
            if (-not $s.Children.Count) {
                throw (New-HelpFormatError $file $s.Line "## $($s.Title) is empty; write '### None' when there is nothing.")
            }
            foreach ($node in $s.Children) {
                [pscustomobject]@{ Type = $node.Title; Description = [string[]]@(ConvertTo-HelpParagraph (Split-MarkdownBlock $file $node.Content)) }
            }
        }
        $inputs = @(& $typed $sections['INPUTS'])
        $outputs = @(& $typed $sections['OUTPUTS'])

        $notes = [string[]]@()
        if ($sections.Contains('NOTES')) { & $noChildren $sections['NOTES']; $notes = & $textOf $sections['NOTES'] }

        $links = [System.Collections.Generic.List[object]]::new()
        if ($front.Metadata['online version']) { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $front.Metadata['online version'] }) }
        if ($sections.Contains('RELATED LINKS')) {
            & $noChildren $sections['RELATED LINKS']
            foreach ($l in $sections['RELATED LINKS'].Content) {
                if ($l.Text -match '^\s*$') { continue }
                if ($l.Text -notmatch '^\s*(?:[-*]\s+)?\[([^\]]+)\]\(([^)]*)\)\s*$') {
                    throw (New-HelpFormatError $file $l.Number "related links are '[text](uri)', one per line; found '$($l.Text)'.")
                }
                $linkText = $Matches[1]; $target = $Matches[2]
                # Links to other pages of this help become plain link text; only web addresses keep a URI.
                $uri = if ($target -match '^https?://') { $target } else { '' }
                $links.Add([pscustomobject]@{ Text = $linkText; Uri = $uri })
            }
        }

        [pscustomobject]@{
            PSTypeName       = 'HelpBuilder.CommandHelp'
            Name             = $name
            Path             = $file
            Metadata         = $front.Metadata
            Synopsis         = $synopsis
            Description      = $description
            Syntax           = $syntax.ToArray()
            Examples         = @($examples)
            Parameters       = $parameters.ToArray()
            CommonParameters = $commonParameters
            Inputs           = $inputs
            Outputs          = $outputs
            Notes            = $notes
            RelatedLinks     = $links.ToArray()
        }
    }
}

#endregion

#region MAML writing

function Write-MamlPara {
    param([System.Xml.XmlWriter] $W, [string[]] $Paragraphs)
    $W.WriteStartElement('maml', 'description', $script:Ns.maml)
    foreach ($p in $Paragraphs) { $W.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
    $W.WriteEndElement()
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $W, [object] $Parameter, [object] $SetMetadata, [switch] $InSyntax)
    $isSwitch = $Parameter.Type -in 'SwitchParameter', 'System.Management.Automation.SwitchParameter'
    $W.WriteStartElement('command', 'parameter', $script:Ns.command)
    $W.WriteAttributeString('required', $SetMetadata.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($Parameter.Type.EndsWith('[]')).ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Parameter.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Parameter.PipelineInput)
    $W.WriteAttributeString('position', $SetMetadata.Position.ToLowerInvariant())
    $W.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $script:Ns.maml, $Parameter.Name)
    Write-MamlPara $W $Parameter.Description
    if ($Parameter.AcceptedValues) {
        $W.WriteStartElement('command', 'parameterValueGroup', $script:Ns.command)
        foreach ($v in $Parameter.AcceptedValues) {
            $W.WriteStartElement('command', 'parameterValue', $script:Ns.command)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $script:Ns.command, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    # A switch shows as [-Name] in the syntax: it takes no value there.
    if (-not ($InSyntax -and $isSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $script:Ns.command)
        $W.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', ($Parameter.Type.EndsWith('[]')).ToString().ToLowerInvariant())
        $W.WriteString($Parameter.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $script:Ns.dev)
    $W.WriteElementString('maml', 'name', $script:Ns.maml, $Parameter.Type)
    $W.WriteElementString('maml', 'uri', $script:Ns.maml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $script:Ns.dev, $Parameter.DefaultValue)
    $W.WriteEndElement()
}

function Get-SetMetadata {
    # The yaml block of a parameter that applies to one parameter set, or $null when it is not in that set.
    param([object] $Parameter, [string] $SetName)
    $meta = $Parameter.Sets | Where-Object { $_.ParameterSets -contains $SetName } | Select-Object -First 1
    if (-not $meta) { $meta = $Parameter.Sets | Where-Object { $_.ParameterSets -contains $script:AllSets } | Select-Object -First 1 }
    $meta
}

function Write-MamlCommand {
    param([System.Xml.XmlWriter] $W, [object] $Help)
    $W.WriteStartElement('command', 'command', $script:Ns.command)
    foreach ($prefix in 'maml', 'dev', 'MSHelp') { $W.WriteAttributeString('xmlns', $prefix, 'http://www.w3.org/2000/xmlns/', $script:Ns[$prefix]) }

    $verb, $noun = $Help.Name -split '-', 2
    $W.WriteStartElement('command', 'details', $script:Ns.command)
    $W.WriteElementString('command', 'name', $script:Ns.command, $Help.Name)
    $W.WriteElementString('command', 'verb', $script:Ns.command, $verb)
    $W.WriteElementString('command', 'noun', $script:Ns.command, $noun)
    Write-MamlPara $W @($Help.Synopsis)
    $W.WriteEndElement()

    Write-MamlPara $W $Help.Description

    $W.WriteStartElement('command', 'syntax', $script:Ns.command)
    foreach ($set in $Help.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $script:Ns.command)
        $W.WriteElementString('maml', 'name', $script:Ns.maml, $Help.Name)
        # Positional parameters first, in position order; then the rest as the page lists them.
        $inSet = foreach ($p in $Help.Parameters) {
            $m = Get-SetMetadata $p $set.Name
            if ($m) { [pscustomobject]@{ Parameter = $p; Meta = $m; Order = $(if ($m.Position -eq 'Named') { [int]::MaxValue } else { [int]$m.Position }) } }
        }
        foreach ($entry in @($inSet) | Sort-Object -Stable Order) {
            Write-MamlParameter $W $entry.Parameter $entry.Meta -InSyntax
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $script:Ns.command)
    foreach ($p in $Help.Parameters) { Write-MamlParameter $W $p $p.Sets[0] }
    $W.WriteEndElement()

    foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; Entries = $Help.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Entries = $Help.Outputs })) {
        $W.WriteStartElement('command', $kind.List, $script:Ns.command)
        foreach ($entry in $kind.Entries) {
            $W.WriteStartElement('command', $kind.Item, $script:Ns.command)
            $W.WriteStartElement('dev', 'type', $script:Ns.dev)
            $W.WriteElementString('maml', 'name', $script:Ns.maml, $entry.Type)
            $W.WriteEndElement()
            Write-MamlPara $W $entry.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $script:Ns.maml)
    $W.WriteStartElement('maml', 'alert', $script:Ns.maml)
    foreach ($p in $Help.Notes) { $W.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $script:Ns.command)
    foreach ($ex in $Help.Examples) {
        $W.WriteStartElement('command', 'example', $script:Ns.command)
        # Dashes around the title as in PowerShell's own help, short enough not to wrap in 80 columns.
        $dashes = '-' * [Math]::Max(2, [Math]::Min(26, [int][Math]::Floor((72 - $ex.Title.Length - 2) / 2)))
        $W.WriteElementString('maml', 'title', $script:Ns.maml, "$dashes $($ex.Title) $dashes")
        if ($ex.Introduction) {
            # Get-Help prints the introduction right before the code (it is meant for a prompt), so end it with a blank line.
            $W.WriteStartElement('maml', 'introduction', $script:Ns.maml)
            $W.WriteElementString('maml', 'para', $script:Ns.maml, ($ex.Introduction -join "`n`n") + "`n`n")
            $W.WriteEndElement()
        }
        $W.WriteElementString('dev', 'code', $script:Ns.dev, $ex.Code)
        $W.WriteStartElement('dev', 'remarks', $script:Ns.dev)
        foreach ($p in $ex.Remarks) { $W.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $script:Ns.command)
    foreach ($link in $Help.RelatedLinks) {
        $W.WriteStartElement('maml', 'navigationLink', $script:Ns.maml)
        $W.WriteElementString('maml', 'linkText', $script:Ns.maml, $link.Text)
        $W.WriteElementString('maml', 'uri', $script:Ns.maml, $link.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

#endregion

#region about topics

function Format-WrappedText {
    param([string] $Text, [int] $Indent, [int] $Width = 80, [int] $HangingIndent = $Indent)
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = ' ' * $Indent
    $lineHasWord = $false
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if ($lineHasWord -and $line.Length + 1 + $word.Length -gt $Width) {
            $lines.Add($line)
            $line = (' ' * $HangingIndent) + $word
        } else {
            $line += $(if ($lineHasWord) { ' ' } else { '' }) + $word
        }
        $lineHasWord = $true
    }
    if ($lineHasWord) { $lines.Add($line) }
    $lines -join "`n"
}

function ConvertTo-AboutHelpText {
    <#
    .SYNOPSIS
        Converts an about_*.md topic to the plain text of an about_*.help.txt file; throws on a malformed topic.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][string] $Path)
    $file = (Resolve-Path -LiteralPath $Path -ErrorAction Stop).ProviderPath
    $lines = [System.IO.File]::ReadAllLines($file)
    # Front matter is optional for about topics; skip it when present.
    $start = 0
    while ($start -lt $lines.Count -and $lines[$start] -match '^\s*$') { $start++ }
    if ($start -lt $lines.Count -and $lines[$start].Trim() -eq '---') { $start = (Read-FrontMatterLoose $file $lines $start) }
    $nodes = @(Get-MarkdownNode $file $lines $start)
    $topic = [System.IO.Path]::GetFileNameWithoutExtension($file)
    $stray = @($nodes[0].Content | Where-Object { $_.Text -notmatch '^\s*$' })
    if ($nodes.Count -lt 2 -or $nodes[1].Level -ne 1 -or $stray) {
        throw (New-HelpFormatError $file 0 "an about topic starts with '# $topic'.")
    }
    if ($nodes[1].Title -cne $topic) { throw (New-HelpFormatError $file $nodes[1].Line "the heading '# $($nodes[1].Title)' does not match the file name '$topic'.") }
    if (@($nodes | Where-Object Level -EQ 1).Count -ne 1) { throw (New-HelpFormatError $file 0 "an about topic has exactly one '#' heading.") }
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        $node = $nodes | Where-Object { $_.Level -eq 2 -and $_.Title -eq $required } | Select-Object -First 1
        if (-not $node) { throw (New-HelpFormatError $file 0 "missing section '## $required'.") }
        if (-not @(Split-MarkdownBlock $file $node.Content).Count) { throw (New-HelpFormatError $file $node.Line "'## $required' is empty.") }
    }

    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add("TOPIC`n    $topic")
    foreach ($node in $nodes | Select-Object -Skip 2) {
        $heading = if ($node.Level -eq 2) { $node.Title.ToUpperInvariant() } else { "  $(ConvertFrom-MarkdownInline $node.Title)" }
        $body = [System.Collections.Generic.List[string]]::new()
        foreach ($block in Split-MarkdownBlock $file $node.Content) {
            if ($block.Kind -eq 'Code') {
                $body.Add(($block.Lines | ForEach-Object { if ($_) { "        $_" } else { '' } }) -join "`n")
            } elseif ($block.Lines[0] -match '^\s*\|') {
                # Tables stay as they are: they read well in plain text.
                $body.Add(($block.Lines | ForEach-Object { "    $($_.Trim())" }) -join "`n")
            } elseif ($block.Lines[0] -match '^\s*([-*+]|\d+\.)\s+') {
                $items = [System.Collections.Generic.List[string]]::new()
                foreach ($l in $block.Lines) {
                    if ($l -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
                        $items.Add("$(if ($Matches[1] -match '\d') { $Matches[1] } else { '-' }) $($Matches[2])")
                    } else { $items[$items.Count - 1] += ' ' + $l.Trim() }
                }
                $body.Add(($items | ForEach-Object { Format-WrappedText (ConvertFrom-MarkdownInline $_) -Indent 4 -HangingIndent 6 }) -join "`n")
            } else {
                $body.Add((Format-WrappedText (ConvertFrom-MarkdownInline (($block.Lines | ForEach-Object Trim) -join ' ')) -Indent 4))
            }
        }
        $out.Add($(if ($body.Count) { $heading + "`n" + ($body -join "`n`n") } else { $heading }))
    }
    ($out -join "`n`n") + "`n"
}

function Read-FrontMatterLoose {
    param([string] $File, [string[]] $Lines, [int] $Start)
    for ($i = $Start + 1; $i -lt $Lines.Count; $i++) { if ($Lines[$i].Trim() -eq '---') { return $i + 1 } }
    throw (New-HelpFormatError $File ($Start + 1) "the front matter block is never closed with '---'.")
}

#endregion

function ConvertTo-MamlHelp {
    <#
    .SYNOPSIS
        Generates <ModuleName>.dll-Help.xml from every <Cmdlet-Name>.md under Path, and an about_*.help.txt from every about_*.md.
    .DESCRIPTION
        Every page is read before anything is written; when any page is malformed, the error names each bad file
        and line, and no output is written.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string] $Path,
        [Parameter(Mandatory)][string] $ModuleName,
        [Parameter(Mandatory)][string] $OutputPath,
        [switch] $PassThru
    )
    $source = (Resolve-Path -LiteralPath $Path -ErrorAction Stop).ProviderPath
    $pages = @(Get-ChildItem -LiteralPath $source -Filter '*.md' -File | Sort-Object Name)
    $commandPages = @($pages | Where-Object Name -NotLike 'about_*')
    $aboutPages = @($pages | Where-Object Name -Like 'about_*')
    if (-not $commandPages) {
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                [System.IO.FileNotFoundException]::new("No cmdlet help page (<Cmdlet-Name>.md) in $source."),
                'NoCmdletHelpPage', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $source))
    }

    $errors = [System.Collections.Generic.List[string]]::new()
    $helps = foreach ($page in $commandPages) {
        try {
            $help = Read-HelpMarkdown -Path $page.FullName
            $moduleField = $help.Metadata['Module Name']
            if ($moduleField -and $moduleField -ne $ModuleName) {
                throw (New-HelpFormatError $page.FullName 0 "'Module Name: $moduleField' is not '$ModuleName'.")
            }
            $helpFile = $help.Metadata['external help file']
            if ($helpFile -and $helpFile -ne "$ModuleName.dll-Help.xml") {
                throw (New-HelpFormatError $page.FullName 0 "'external help file: $helpFile' is not '$ModuleName.dll-Help.xml'.")
            }
            $help
        } catch { $errors.Add($_.Exception.Message) }
    }
    $abouts = foreach ($page in $aboutPages) {
        try { [pscustomobject]@{ Name = $page.BaseName; Text = ConvertTo-AboutHelpText -Path $page.FullName } }
        catch { $errors.Add($_.Exception.Message) }
    }
    if ($errors.Count) {
        # A stable error id (the message names the files and lines) so callers and tests can tell this failure apart.
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                [System.FormatException]::new("Help generation failed; $($errors.Count) malformed page(s):`n" + ($errors -join "`n")),
                'MalformedHelpPage', [System.Management.Automation.ErrorCategory]::InvalidData, $source))
    }

    $null = New-Item -ItemType Directory -Force -Path $OutputPath
    $target = Join-Path (Resolve-Path -LiteralPath $OutputPath).ProviderPath "$ModuleName.dll-Help.xml"
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($target, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($help in $helps) { Write-MamlCommand $writer $help }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    } finally { $writer.Dispose() }
    $written = @(Get-Item -LiteralPath $target)
    foreach ($about in $abouts) {
        $aboutTarget = Join-Path (Split-Path $target) "$($about.Name).help.txt"
        [System.IO.File]::WriteAllText($aboutTarget, $about.Text, [System.Text.UTF8Encoding]::new($false))
        $written += Get-Item -LiteralPath $aboutTarget
    }
    if ($PassThru) { $written }
}

Export-ModuleMember -Function ConvertTo-MamlHelp, Read-HelpMarkdown, ConvertTo-AboutHelpText
