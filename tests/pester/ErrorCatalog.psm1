# SPDX-License-Identifier: MIT
# Reads ErrorIds from two places so tests can compare them: the C# sources (what the code raises) and the
# catalogue docs/reference/errors.md (what users are told). Used by ErrorCatalog.Tests.ps1 and Help.Tests.ps1.

Set-StrictMode -Version Latest

function Split-Argument {
    # The top-level arguments of a call whose '(' is at $Start in $Text, as trimmed strings. Understands string
    # literals (regular, verbatim, interpolated), char literals and nesting of (), [], {} and <> in generic types.
    param([string] $Text, [int] $Start)
    $parts = [Collections.Generic.List[string]]::new()
    $depth = 0
    $current = [Text.StringBuilder]::new()
    $i = $Start + 1
    while ($i -lt $Text.Length) {
        $c = $Text[$i]
        if ($c -eq '"' -or ($c -in '$', '@' -and $i + 1 -lt $Text.Length -and $Text[$i + 1] -eq '"')) {
            # Copy a string literal whole (escapes in regular strings, "" in verbatim ones).
            $verbatim = $c -eq '@'
            $begin = $i
            if ($c -ne '"') { $i++ }
            $i++
            while ($i -lt $Text.Length) {
                if (-not $verbatim -and $Text[$i] -eq '\') { $i += 2; continue }
                if ($Text[$i] -eq '"') {
                    if ($verbatim -and $i + 1 -lt $Text.Length -and $Text[$i + 1] -eq '"') { $i += 2; continue }
                    break
                }
                $i++
            }
            $null = $current.Append($Text, $begin, $i - $begin + 1)
            $i++
            continue
        }
        if ($c -eq "'") {
            $end = $Text.IndexOf("'", $i + $(if ($Text[$i + 1] -eq '\') { 3 } else { 2 }))
            $null = $current.Append($Text, $i, $end - $i + 1)
            $i = $end + 1
            continue
        }
        if ($c -in '(', '[', '{') { $depth++ }
        elseif ($c -in ')', ']', '}') {
            if ($depth -eq 0) { break }
            $depth--
        }
        elseif ($c -eq ',' -and $depth -eq 0) {
            $parts.Add($current.ToString().Trim()); $null = $current.Clear(); $i++; continue
        }
        $null = $current.Append($c)
        $i++
    }
    $last = $current.ToString().Trim()
    if ($last -or $parts.Count) { $parts.Add($last) }
    $parts.ToArray()
}

function Split-ParameterList([string] $List) {
    # Parameters of a declaration, splitting on commas outside <...>.
    $parts = [Collections.Generic.List[string]]::new()
    $depth = 0; $sb = [Text.StringBuilder]::new()
    foreach ($c in $List.ToCharArray()) {
        if ($c -eq '<') { $depth++ } elseif ($c -eq '>') { $depth-- }
        if ($c -eq ',' -and $depth -eq 0) { $parts.Add($sb.ToString().Trim()); $null = $sb.Clear(); continue }
        $null = $sb.Append($c)
    }
    $parts.Add($sb.ToString().Trim())
    , $parts.ToArray()
}

function Get-RktSourceErrorId {
    <#
    .SYNOPSIS
        The ErrorIds the C# sources raise: string literals (or string constants) passed as the error id.
    .DESCRIPTION
        Rules, applied to every .cs file given:
        1. Any method, constructor or primary constructor declared with a parameter named errorId (RktException,
           InvalidAciException, UnsafeArchiveException, RktCmdlet.WriteNotFound, PodService.CheckId, ...): at
           each call the argument in that position (or named errorId:) is taken when it is a literal or a
           known string constant. ErrorRecord's second constructor argument is taken the same way.
        2. In a file that declares an ErrorId member, every `const string X = "Id"` and `ErrorId => "Id"`.
        Each result carries the ErrorCategory when the call site states it: the ErrorCategory argument of an
        ErrorRecord, or the RktErrorKind of an RktException mapped through ErrorMapper.Category.
    .OUTPUTS
        PSCustomObject with Id, Category (or $null), File, Line.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        [hashtable] $KindCategory = @{}
    )
    $files = @(foreach ($p in $Path) {
            if (Test-Path -PathType Container $p) {
                Get-ChildItem -Path $p -Recurse -Filter '*.cs' -File | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
            }
            else { Get-Item $p }
        })
    $texts = [ordered]@{}
    foreach ($f in $files) { $texts[$f.FullName] = [IO.File]::ReadAllText($f.FullName) }

    $constants = @{}
    foreach ($text in $texts.Values) {
        foreach ($m in [regex]::Matches($text, '(?m)const\s+string\s+(\w+)\s*=\s*"(\w+)"\s*;')) { $constants[$m.Groups[1].Value] = $m.Groups[2].Value }
    }
    $resolve = {
        param([string] $Arg)
        if ($Arg -match '^(?:\w+\s*:\s*)?"(\w+)"$') { return $Matches[1] }
        if ($Arg -match '^(?:\w+\s*:\s*)?(?:[\w.]+\.)?(\w+)$' -and $constants.ContainsKey($Matches[1])) { return $constants[$Matches[1]] }
        $null
    }

    # Who takes an errorId, and at which position.
    $takers = @{ ErrorRecord = 1; RktException = 1 }
    foreach ($text in $texts.Values) {
        foreach ($m in [regex]::Matches($text, '\b(\w+)\s*\(([^()]*\bstring\s+errorId\b[^()]*)\)')) {
            $params = Split-ParameterList $m.Groups[2].Value
            for ($k = 0; $k -lt $params.Count; $k++) { if ($params[$k] -match '\bstring\s+errorId\b') { $takers[$m.Groups[1].Value] = $k } }
        }
    }

    foreach ($file in $texts.Keys) {
        $text = $texts[$file]
        $lineOf = { param([int] $Index) ($text.Substring(0, $Index) -split "`n").Count }
        # Target-typed `new(RktErrorKind.X, "Id", ...)` is an RktException too (the only type built from a kind).
        $calls = foreach ($name in $takers.Keys) { foreach ($m in [regex]::Matches($text, "\b$name\s*\(")) { [pscustomobject]@{ Name = $name; Match = $m } } }
        $calls = @($calls) + @(foreach ($m in [regex]::Matches($text, '\bnew\s*\(\s*(?=(?:[\w.]+\.)?RktErrorKind\.)')) {
                [pscustomobject]@{ Name = 'RktException'; Match = $m }
            })
        foreach ($call in $calls | Where-Object { $_ }) {
            $name = $call.Name
            $m = $call.Match
            $open = $text.IndexOf('(', $m.Index)
            $callArgs = @(Split-Argument $text $open)
            if ($callArgs | Where-Object { $_ -match '\bstring\s+errorId\b' }) { continue }   # the declaration
            $position = $takers[$name]
            $named = $callArgs | Where-Object { $_ -match '^errorId\s*:' } | Select-Object -First 1
            $arg = if ($named) { $named } elseif ($callArgs.Count -gt $position) { $callArgs[$position] } else { $null }
            if (-not $arg) { continue }
            $id = & $resolve $arg
            if (-not $id) { continue }
            $category = $null
            if ($name -eq 'ErrorRecord' -and $callArgs.Count -gt 2 -and $callArgs[2] -match '^ErrorCategory\.(\w+)$') { $category = $Matches[1] }
            if ($name -eq 'RktException' -and $callArgs[0] -match '^(?:[\w.]+\.)?RktErrorKind\.(\w+)$' -and $KindCategory.ContainsKey($Matches[1])) {
                $category = $KindCategory[$Matches[1]]
            }
            [pscustomobject]@{ Id = $id; Category = $category; File = $file; Line = & $lineOf $m.Index }
        }
        if ($text -match '\bErrorId\s*(\{|=>)') {
            foreach ($m in [regex]::Matches($text, '(?m)const\s+string\s+\w+\s*=\s*"(\w+)"\s*;')) {
                [pscustomobject]@{ Id = $m.Groups[1].Value; Category = $null; File = $file; Line = & $lineOf $m.Index }
            }
            foreach ($m in [regex]::Matches($text, '\bErrorId\s*=>\s*"(\w+)"')) {
                [pscustomobject]@{ Id = $m.Groups[1].Value; Category = $null; File = $file; Line = & $lineOf $m.Index }
            }
        }
    }
}

function Get-RktKindCategory {
    <#
    .SYNOPSIS
        RktErrorKind → ErrorCategory, read from the switch in Rkt.PowerShell/Infrastructure/ErrorMapper.cs.
    #>
    param([Parameter(Mandatory)] [string] $ErrorMapperPath)
    $map = @{}
    foreach ($m in [regex]::Matches([IO.File]::ReadAllText($ErrorMapperPath), 'RktErrorKind\.(\w+)\s*=>\s*ErrorCategory\.(\w+)')) {
        $map[$m.Groups[1].Value] = $m.Groups[2].Value
    }
    $map
}

function Get-RktCatalogErrorId {
    <#
    .SYNOPSIS
        The rows of the ErrorId tables in docs/reference/errors.md.
    .DESCRIPTION
        A row is a table line whose first cell is a code span: | `Id` | Category[, Category] | Raised by | Cause | Fix |.
    .OUTPUTS
        PSCustomObject with Id, Categories (string[]), RaisedBy, Cause, Fix, Line.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $n = 0
    foreach ($line in Get-Content -LiteralPath $Path) {
        $n++
        if ($line -notmatch '^\|\s*`(\w+)`\s*\|') { continue }
        $cells = @($line.Trim().Trim('|') -split '\|' | ForEach-Object Trim)
        [pscustomobject]@{
            Id         = $Matches[1]
            Categories = @($cells[1] -split '[,/]' | ForEach-Object { $_.Trim(' ', '`') } | Where-Object { $_ })
            RaisedBy   = if ($cells.Count -gt 2) { $cells[2] } else { '' }
            Cause      = if ($cells.Count -gt 3) { $cells[3] } else { '' }
            Fix        = if ($cells.Count -gt 4) { $cells[4] } else { '' }
            Line       = $n
        }
    }
}

Export-ModuleMember -Function Get-RktSourceErrorId, Get-RktKindCategory, Get-RktCatalogErrorId
