# SPDX-License-Identifier: MIT
# docs/reference/errors.md against the source: every ErrorId the C# code raises has a catalogue row (with a
# category, cause and fix), every row is still raised, categories agree, and every ErrorId a cmdlet's help lists
# under NOTES is catalogued. Needs no module build.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'ErrorCatalog.psm1') -Force
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:CatalogPath = Join-Path $RepoRoot 'docs/reference/errors.md'
    $script:KindCategory = Get-RktKindCategory (Join-Path $RepoRoot 'Rkt.PowerShell/Infrastructure/ErrorMapper.cs')
    $sources = 'formats/Rkt.Formats', 'Rkt.Engine', 'Rkt.PowerShell' | ForEach-Object { Join-Path $RepoRoot $_ }
    $script:Raised = @(Get-RktSourceErrorId -Path $sources -KindCategory $KindCategory)
    $script:Catalog = @(Get-RktCatalogErrorId -Path $CatalogPath)
    $script:CatalogById = @{}
    foreach ($row in $Catalog) { $CatalogById[$row.Id] = $row }
    $script:ValidCategories = [Enum]::GetNames([System.Management.Automation.ErrorCategory])

    function Get-HelpNote([string] $Path) {
        # "- `Id` (Category / Category): when" lines of the NOTES section of a markdown help file.
        $text = Get-Content -Raw $Path
        $notes = [regex]::Match($text, '(?ms)^## NOTES\s*$(.*?)^## ').Groups[1].Value
        foreach ($m in [regex]::Matches($notes, '(?m)^-\s+`(\w+)`\s+\(([^)]*)\)')) {
            [pscustomobject]@{ Id = $m.Groups[1].Value; Categories = @($m.Groups[2].Value -split '[,/]' | ForEach-Object Trim | Where-Object { $_ }) }
        }
    }
}

Describe 'Error catalogue' -Tag Unit {
    It 'finds ErrorIds in the source at all' {
        # Guards the extractor: the well-known ids must be seen, or every other test here would pass vacuously.
        foreach ($id in 'ImageNotFound', 'PodNotFound', 'InvalidPodState', 'UserNotFound', 'NativeCallFailed', 'InvalidManifest', 'UnsafeTarEntry') {
            $Raised.Id | Should -Contain $id
        }
    }

    It 'catalogues every ErrorId the source raises' {
        $missing = @($Raised | Where-Object { -not $CatalogById.ContainsKey($_.Id) } |
                ForEach-Object { "$($_.Id) ($([IO.Path]::GetRelativePath($RepoRoot, $_.File)):$($_.Line))" } | Sort-Object -Unique)
        $missing | Should -BeNullOrEmpty -Because 'every ErrorId needs a row in docs/reference/errors.md'
    }

    It 'has no row for an ErrorId the source no longer raises' {
        $stale = @($Catalog.Id | Where-Object { $_ -notin $Raised.Id })
        $stale | Should -BeNullOrEmpty -Because 'rows of docs/reference/errors.md must name ErrorIds that exist'
    }

    It 'has one row per ErrorId' {
        @($Catalog | Group-Object Id | Where-Object Count -GT 1 | ForEach-Object Name) | Should -BeNullOrEmpty
    }

    It 'gives every row valid categories, a cmdlet, a cause and a fix' {
        $problems = foreach ($row in $Catalog) {
            if ($row.Categories.Count -eq 0) { "$($row.Id): no category" }
            foreach ($c in $row.Categories) { if ($c -notin $ValidCategories) { "$($row.Id): '$c' is not an ErrorCategory" } }
            if (-not $row.RaisedBy) { "$($row.Id): no 'Raised by'" }
            if (-not $row.Cause) { "$($row.Id): no cause" }
            if (-not $row.Fix) { "$($row.Id): no fix" }
        }
        @($problems) | Should -BeNullOrEmpty
    }

    It 'lists the category the code uses for each ErrorId' {
        $problems = foreach ($r in $Raised | Where-Object { $_.Category -and $CatalogById.ContainsKey($_.Id) }) {
            if ($r.Category -notin $CatalogById[$r.Id].Categories) {
                "$($r.Id) is raised as $($r.Category) at $([IO.Path]::GetRelativePath($RepoRoot, $r.File)):$($r.Line), catalogued as $($CatalogById[$r.Id].Categories -join ', ')"
            }
        }
        @($problems | Sort-Object -Unique) | Should -BeNullOrEmpty
    }

    It 'catalogues every ErrorId in the NOTES of <_>, with the same categories' -ForEach @(
        Get-ChildItem (Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path 'docs/help') -Filter '*-*.md' | ForEach-Object Name
    ) {
        $notes = @(Get-HelpNote (Join-Path $RepoRoot "docs/help/$_"))
        $notes | Should -Not -BeNullOrEmpty
        $problems = foreach ($n in $notes) {
            if (-not $CatalogById.ContainsKey($n.Id)) { "$($n.Id) is not catalogued"; continue }
            foreach ($c in $n.Categories) { if ($c -notin $CatalogById[$n.Id].Categories) { "$($n.Id): category $c is not catalogued" } }
        }
        @($problems) | Should -BeNullOrEmpty
    }
}

Describe 'Error id extraction' -Tag Unit {
    BeforeAll {
        $file = Join-Path $TestDrive 'Sample.cs'
        Set-Content -LiteralPath $file -Value @'
sealed class Fail(string errorId, string message) : System.Exception(message) { }
static class Ids { public const string Gone = "ThingGone"; }
class C {
    void Report(string note, string errorId) { }
    void M(int n) {
        throw new RktException(RktErrorKind.NotFound, "ThingMissing", $"no thing {Call(1, 2)}, really", n);
        throw new RktException(RktErrorKind.Busy, errorId: "ThingBusy", message: "x");
        Report("a, b", "ThingReported");
        throw new Fail(Ids.Gone, "m");
        WriteError(new ErrorRecord(new System.Exception("x"), "ThingRecord", ErrorCategory.InvalidArgument, null));
        RktException e = new(RktErrorKind.InvalidState, "ThingState", "m");
        throw new RktException(RktErrorKind.NotFound, dynamicId, "not a literal: not an id");
    }
}
'@
        $script:Sample = @(Get-RktSourceErrorId -Path $file -KindCategory @{ NotFound = 'ObjectNotFound'; Busy = 'ResourceBusy'; InvalidState = 'InvalidOperation' })
        $script:Table = Join-Path $TestDrive 'errors.md'
        Set-Content -LiteralPath $Table -Value @(
            '| ErrorId | Category | Raised by | Cause | Fix |', '|---|---|---|---|---|'
            '| `ThingMissing` | ObjectNotFound, InvalidData | Get-Thing | gone | import it |'
            'prose with `NotARow` | in it |'
        )
    }

    It 'reads the literal at the errorId position of every taker' {
        ($Sample.Id | Sort-Object) -join ',' | Should -Be 'ThingBusy,ThingGone,ThingMissing,ThingRecord,ThingReported,ThingState'
    }

    It 'maps RktErrorKind and ErrorCategory arguments to categories' {
        ($Sample | Where-Object Id -EQ 'ThingMissing').Category | Should -Be 'ObjectNotFound'
        ($Sample | Where-Object Id -EQ 'ThingBusy').Category | Should -Be 'ResourceBusy'
        ($Sample | Where-Object Id -EQ 'ThingRecord').Category | Should -Be 'InvalidArgument'
        ($Sample | Where-Object Id -EQ 'ThingState').Category | Should -Be 'InvalidOperation'
    }

    It 'reads catalogue rows and ignores other table text' {
        $rows = @(Get-RktCatalogErrorId -Path $Table)
        $rows | Should -HaveCount 1
        $rows[0].Id | Should -Be 'ThingMissing'
        $rows[0].Categories | Should -Be @('ObjectNotFound', 'InvalidData')
        $rows[0].Fix | Should -Be 'import it'
    }
}
