#Requires -Version 7.4
# Pester 5: the staged module as PowerShell sees it: manifest, exported cmdlets, their metadata and default views.

BeforeDiscovery {
    # Read at discovery time (before any test runs) to generate one test per cmdlet.
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $cmdletNames = Get-FastbandTestCmdletNames
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $manifestPath = Get-FastbandTestManifest
    $manifestData = Import-PowerShellDataFile -LiteralPath $manifestPath
    $module = Get-Module -Name Fastband | Select-Object -First 1
    $savedEnvironment = Clear-FastbandEnvironment
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'The Fastband module' {
    It 'imports from the staged manifest' {
        $module | Should -Not -BeNullOrEmpty
        $module.Name | Should -Be 'Fastband'
        $module.Version | Should -Be ([version]$manifestData.ModuleVersion)
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It "exports exactly the manifest's CmdletsToExport and AliasesToExport, and nothing else" {
        $exported = @(Get-Command -Module Fastband)
        $cmdlets = @($exported | Where-Object CommandType -eq 'Cmdlet')
        $aliases = @($exported | Where-Object CommandType -eq 'Alias')
        (($cmdlets.Name | Sort-Object) -join ',') | Should -Be ((@($manifestData.CmdletsToExport) | Sort-Object) -join ',')
        (($aliases.Name | Sort-Object) -join ',') | Should -Be ((@($manifestData.AliasesToExport) | Sort-Object) -join ',')
        @($exported | Where-Object CommandType -notin 'Cmdlet', 'Alias').Count | Should -Be 0
        @($manifestData.CmdletsToExport).Count | Should -BeGreaterThan 0
    }

    It 'lists in the manifest every cmdlet the assembly defines' {
        $assembly = ('Fastband.PowerShell.FastbandCmdlet' -as [type]).Assembly
        $assembly | Should -Not -BeNullOrEmpty
        $defined = foreach ($type in $assembly.GetExportedTypes()) {
            foreach ($attribute in $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)) {
                '{0}-{1}' -f $attribute.VerbName, $attribute.NounName
            }
        }
        (($defined | Sort-Object) -join ',') | Should -Be ((@($manifestData.CmdletsToExport) | Sort-Object) -join ',')
    }

    It 'exports no functions or variables, and as aliases only the old names of renamed cmdlets' {
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
        foreach ($alias in $module.ExportedAliases.Values) {
            $alias.ResolvedCommand.Module.Name | Should -Be 'Fastband' -Because "$($alias.Name) must stand for a Fastband cmdlet"
            $alias.ResolvedCommand.CommandType | Should -Be 'Cmdlet'
        }
    }
}

Describe 'Cmdlet <_>' -ForEach $cmdletNames {
    BeforeAll {
        $command = Get-Command -Name $_ -Module Fastband
    }

    It 'declares an OutputType from Fastband.Core with a default view' {
        $command.OutputType.Count | Should -BeGreaterThan 0
        foreach ($output in $command.OutputType) {
            $output.Type | Should -Not -BeNullOrEmpty -Because "the output type '$($output.Name)' should resolve to a loaded type"
            $output.Type.Namespace | Should -BeLike 'Fastband.Core*' -Because 'cmdlets return the same result types as the CLI prints'
            Get-FormatData -TypeName $output.Type.FullName | Should -Not -BeNullOrEmpty -Because 'Fastband.format.ps1xml should give it a view'
        }
    }

    It 'takes -Project' {
        $command.Parameters.ContainsKey('Project') | Should -BeTrue
    }
}

Describe 'Default views' {
    BeforeEach {
        $project = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $project
        $entry = Write-FastbandOpsLog -Project $project -Agent 'MCP_Agent1' -EventType ticket_claimed -Message 'Starting work on ticket #1205' -TicketId 1205
    }

    It 'prints an ops log entry as its Formatted line' {
        $text = Get-FastbandOpsLog -Project $project | Out-String
        $text | Should -Match ([regex]::Escape($entry.Formatted))
        $text | Should -Not -Match 'EventType' -Because 'the default view is the one-line form, not a table or list'
        $text.Trim() | Should -BeExactly $entry.Formatted
    }

    It 'prints several entries one line each, newest first' {
        $second = Write-FastbandOpsLog -Project $project -Agent 'MCP_Agent1' -EventType status_update -Message 'Halfway there' -TicketId 1205
        $lines = @((Get-FastbandOpsLog -Project $project | Out-String -Width 300) -split '\r?\n' | Where-Object { $_.Trim() })
        ($lines | ForEach-Object Trim) -join '|' | Should -Be "$($second.Formatted)|$($entry.Formatted)"
    }

    It 'has a table view for entries too' {
        $text = Get-FastbandOpsLog -Project $project | Format-Table -View OpsLogEntryTable | Out-String -Width 300
        $text | Should -Match 'EventType'
        $text | Should -Match 'ticket_claimed'
    }

    It 'shows IsHold in the directive view' {
        $null = Set-FastbandHold -Project $project -Agent ops -Reason 'view check'
        try {
            $text = Get-FastbandDirective -Project $project | Out-String -Width 300
            $text | Should -Match 'IsHold'
            $text | Should -Match 'HOLD for all agents: view check'
        }
        finally {
            $null = Remove-FastbandHold -Project $project -Agent ops -Confirm:$false
        }
    }
}
