# SPDX-License-Identifier: MIT
# Module manifest for RktPS. build.ps1 copies it into out/RktPS/ and stamps ModuleVersion from
# Directory.Build.props (VersionPrefix); the value below is only the placeholder of the source tree.
@{
    RootModule           = 'Rkt.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '59c68a56-8ab3-458e-8b2b-c0d3691408a7'
    Author               = 'RktPS developers'
    CompanyName          = 'RktPS developers'
    Copyright            = '(c) RktPS developers. MIT License.'
    Description          = 'A container runtime for Linux in the style of CoreOS rkt: appc images, a content-addressed store, pods and a separate stage1, as PowerShell cmdlets.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'

    FormatsToProcess     = @('RktPS.format.ps1xml')
    TypesToProcess       = @('RktPS.types.ps1xml')

    # Explicit list, kept equal to the [Cmdlet] classes of Rkt.PowerShell.dll by tests/pester/Module.Tests.ps1.
    CmdletsToExport      = @(
        'Export-RktImage'
        'Get-RktImage'
        'Get-RktImageManifest'
        'Import-RktImage'
        'Remove-RktImage'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('rkt', 'appc', 'containers', 'Linux', 'PSEdition_Core')
            ReleaseNotes = 'Development build.'
        }
    }
}
