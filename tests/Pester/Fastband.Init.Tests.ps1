#Requires -Version 7.4
# Pester 5 tests for Initialize-FastbandProject and the backup schedule cmdlets (Get-/Remove-FastbandBackupSchedule):
# config files holding every default, the store, idempotence, -Force, -WhatIf, agent wiring merged into existing
# configs, a malformed config refused with nothing written, and a systemd user timer written under a scratch
# XDG_CONFIG_HOME, shown and removed.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Init.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $savedLauncher = $env:FASTBAND_LAUNCHER
    $savedXdg = $env:XDG_CONFIG_HOME
    $env:FASTBAND_LAUNCHER = $null
    # A stand-in for the fastband command: init only writes its path into the configs.
    $launcher = Join-Path $TestDrive 'fastband'
    Set-Content -Path $launcher -Value "#!/bin/sh`nexit 0"
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
    $env:FASTBAND_LAUNCHER = $savedLauncher
    $env:XDG_CONFIG_HOME = $savedXdg
}

Describe 'Initialize-FastbandProject' {
    It 'creates the config files and the store, and a second run changes nothing' {
        $p = New-TestProject
        $first = Initialize-FastbandProject -Project $p
        $first | Should -BeOfType 'Fastband.Core.Setup.InitResult'
        $first.Project | Should -BeExactly $p
        @($first.Items | ForEach-Object Item) | Should -Be @('config', 'backupConfig', 'store')
        @($first.Items | Where-Object Action -ne 'created') | Should -BeNullOrEmpty
        Join-Path $p '.fastband/fastband.db' | Should -Exist
        Get-Content -Path (Join-Path $p '.fastband/config.yaml') -TotalCount 1 | Should -BeLike '# written by fastband init *'
        Get-Content -Path (Join-Path $p '.fastband/backup_config.yaml') -TotalCount 1 | Should -BeLike '# written by fastband init *'

        $second = Initialize-FastbandProject -Project $p
        $second.Changed | Should -BeFalse
        @($second.Items | Where-Object Action -ne 'unchanged') | Should -BeNullOrEmpty
        $second.Message | Should -BeLike '*nothing changed*'

        # The written settings are read by every other cmdlet.
        (Get-FastbandStore -Project $p).Backend | Should -BeExactly 'sqlite'
        Get-FastbandBackupStatus -Project $p | Should -Not -BeNullOrEmpty
    }

    It 'keeps an edited file, and -Force rewrites it while the marker line is there' {
        $p = New-TestProject
        $null = Initialize-FastbandProject -Project $p
        $config = Join-Path $p '.fastband/config.yaml'
        Add-Content -Path $config -Value '# my note'
        (Initialize-FastbandProject -Project $p).Items[0].Action | Should -BeExactly 'kept'
        (Get-Content -Raw $config) | Should -BeLike '*# my note*'
        (Initialize-FastbandProject -Project $p -Force).Items[0].Action | Should -BeExactly 'rewritten'
        (Get-Content -Raw $config) | Should -Not -BeLike '*# my note*'
    }

    It 'writes nothing with -WhatIf and returns what it would write' {
        $p = New-TestProject
        $r = Initialize-FastbandProject -Project $p -Wire codex -Agent alice -Launcher $launcher -WhatIf
        $r.DryRun | Should -BeTrue
        @(Get-ChildItem -Force -Path $p) | Should -BeNullOrEmpty
        ($r.Items | Where-Object Item -eq 'mcpServer').Content | Should -BeLike "*[[]mcp_servers.fastband]*command = `"$launcher`"*"
    }

    It 'merges the Claude Code entries into an existing .mcp.json, keeping the other servers' {
        $p = New-TestProject
        Set-Content -Path (Join-Path $p '.mcp.json') -Value '{ "mcpServers": { "other": { "command": "node" } } }'
        $r = Initialize-FastbandProject -Project $p -Wire claude -Agent alice -Launcher $launcher
        ($r.Items | Where-Object Item -eq 'mcpServer').Action | Should -BeExactly 'added'
        ($r.Items | Where-Object Item -eq 'hook').Action | Should -BeExactly 'created'
        $mcp = Get-Content -Raw (Join-Path $p '.mcp.json') | ConvertFrom-Json
        $mcp.mcpServers.other.command | Should -BeExactly 'node'
        $mcp.mcpServers.fastband.command | Should -BeExactly $launcher
        $mcp.mcpServers.fastband.args | Should -Be @('mcp', '--agent', 'alice', '--project', $p)
        $settings = Get-Content -Raw (Join-Path $p '.claude/settings.json') | ConvertFrom-Json
        $settings.hooks.PreToolUse[0].matcher | Should -BeExactly 'Edit|Write|MultiEdit|NotebookEdit'
        $settings.hooks.PreToolUse[0].hooks[0].command | Should -BeExactly "$launcher hook pre-tool-use --agent alice --project $p"

        $again = Initialize-FastbandProject -Project $p -Wire claude -Agent alice -Launcher $launcher
        @($again.Items | Where-Object Action -ne 'unchanged') | Should -BeNullOrEmpty
    }

    It 'refuses a malformed settings.json with its line, and writes nothing' {
        $p = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.claude')
        Set-Content -Path (Join-Path $p '.claude/settings.json') -Value "{`n  `"hooks`": [,`n}"
        $e = $null
        Initialize-FastbandProject -Project $p -Wire claude -Agent alice -Launcher $launcher -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.InvalidAgentConfig*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e[0].Exception.Message | Should -BeLike '*settings.json, line 2*'
        Join-Path $p '.fastband' | Should -Not -Exist
        Join-Path $p '.mcp.json' | Should -Not -Exist
    }

    It 'refuses to wire an agent without its name' {
        $p = New-TestProject
        $e = $null
        Initialize-FastbandProject -Project $p -Wire claude -Launcher $launcher -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.WireNeedsAgent*'
        @(Get-ChildItem -Force -Path $p) | Should -BeNullOrEmpty
    }
}

Describe 'Backup schedule cmdlets' {
    It 'installs a systemd user timer, shows it and removes it' {
        $p = New-TestProject
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        try {
            $r = Initialize-FastbandProject -Project $p -Schedule systemd -Launcher $launcher
            @($r.Items | Where-Object Item -eq 'schedule').Count | Should -Be 2
            $units = Join-Path $env:XDG_CONFIG_HOME 'systemd/user'
            @(Get-ChildItem -Path $units -Filter 'fastband-backup-*').Count | Should -Be 2

            $shown = Get-FastbandBackupSchedule -Project $p
            $shown | Should -BeOfType 'Fastband.Core.Setup.ScheduleReport'
            @($shown.Entries | Where-Object Path -like "$units*").Count | Should -Be 2
            ($shown.Entries | Where-Object Path -like '*.service').Content | Should -BeLike "*ExecStart=`"$launcher`" `"backup`" `"run-scheduled`"*"

            $null = Remove-FastbandBackupSchedule -Project $p -WhatIf
            @(Get-ChildItem -Path $units -Filter 'fastband-backup-*').Count | Should -Be 2
            $removed = Remove-FastbandBackupSchedule -Project $p -Confirm:$false
            @($removed.Entries | Where-Object Action -eq 'removed').Count | Should -BeGreaterOrEqual 2
            @(Get-ChildItem -Path $units -Filter 'fastband-backup-*') | Should -BeNullOrEmpty
        }
        finally {
            $env:XDG_CONFIG_HOME = $savedXdg
        }
    }
}
