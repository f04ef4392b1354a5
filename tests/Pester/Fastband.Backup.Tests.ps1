#Requires -Version 7.4
# Pester 5 tests for the backup cmdlets: New-FastbandBackup (created, skipped when nothing changed, -Force),
# Get-FastbandBackup, Get-FastbandBackupStatus, Restore-FastbandBackup (from the pipeline, -Confirm:$false, -WhatIf as
# a dry run, -Destination), Test-FastbandBackup (ok, then a flipped byte), Limit-FastbandBackup (-WhatIf, then real)
# and Invoke-FastbandScheduledBackup.
#
# Every test works in a fresh project folder under TestDrive and passes -Project explicitly (and -Agent where the
# cmdlet takes one). No database: Clear-FastbandEnvironment clears DATABASE_URL for the run, so every backup is `database: none`.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Backup.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    # A project with a little code, a config file and a data/ folder.
    function New-BackupTestProject {
        $p = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p 'src'), (Join-Path $p 'data')
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('hello')" -NoNewline
        Set-Content -LiteralPath (Join-Path $p 'src/util.py') -Value 'def util(): return 1' -NoNewline
        Set-Content -LiteralPath (Join-Path $p 'package.json') -Value '{ "name": "scratch" }' -NoNewline
        Set-Content -LiteralPath (Join-Path $p 'data/records.csv') -Value 'id,name' -NoNewline
        $p
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'New-FastbandBackup and Get-FastbandBackup' {
    It 'creates a backup, lists it with a retention reason, and skips the next one when nothing changed' {
        $p = New-BackupTestProject
        $first = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $first | Should -BeOfType 'Fastband.Core.Backup.BackupResult'
        $first.Created | Should -BeTrue
        $first.Backup.Id | Should -Match '^\d{8}-\d{6}-manual-[0-9a-f]{4}$'

        $listed = @(Get-FastbandBackup -Project $p)
        $listed.Count | Should -Be 1
        $listed[0] | Should -BeOfType 'Fastband.Core.Backup.BackupInfo'
        $listed[0].Id | Should -Be $first.Backup.Id
        $listed[0].RetentionReason | Should -Be 'manual: never pruned automatically'
        (Get-FastbandBackup -Project $p -Id 'latest').Id | Should -Be $first.Backup.Id

        $again = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $again.Created | Should -BeFalse
        $again.Skipped | Should -BeTrue
        $again.Reason | Should -BeLike "nothing changed since backup $($first.Backup.Id)*"
        @(Get-FastbandBackup -Project $p).Count | Should -Be 1

        $forced = New-FastbandBackup -Project $p -Agent A -Force -Name 'before-refactor' -Confirm:$false
        $forced.Created | Should -BeTrue
        (Get-FastbandBackup -Project $p -Id 'before-refactor').Id | Should -Be $forced.Backup.Id
    }

    It 'sees a changed file in Get-FastbandBackupStatus and backs it up' {
        $p = New-BackupTestProject
        $null = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('a longer, changed line')" -NoNewline

        $status = Get-FastbandBackupStatus -Project $p
        $status | Should -BeOfType 'Fastband.Core.Backup.BackupStatus'
        $status.ChangesSinceLast.Modified | Should -Be 1
        $status.Database | Should -Be 'none'

        (New-FastbandBackup -Project $p -Agent A -Confirm:$false).Created | Should -BeTrue
    }

    It 'backs up only the components asked for' {
        $p = New-BackupTestProject
        $r = New-FastbandBackup -Project $p -Agent A -Component code, data -Confirm:$false
        $r.Backup.Manifest.Artifacts.Component | Should -Be @('code', 'data')
    }

    It 'writes nothing with -WhatIf' {
        $p = New-BackupTestProject
        $null = New-FastbandBackup -Project $p -Agent A -WhatIf
        @(Get-FastbandBackup -Project $p).Count | Should -Be 0
    }
}

Describe 'Restore-FastbandBackup' {
    It 'restores the backup piped from Get-FastbandBackup and reports a safety backup' {
        $p = New-BackupTestProject
        $made = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('broken')" -NoNewline
        Remove-Item -LiteralPath (Join-Path $p 'src/util.py')

        $r = Get-FastbandBackup -Project $p | Select-Object -First 1 | Restore-FastbandBackup -Project $p -Agent A -Confirm:$false
        $r | Should -BeOfType 'Fastband.Core.Backup.RestoreResult'
        $r.DryRun | Should -BeFalse
        $r.BackupId | Should -Be $made.Backup.Id
        $r.Overwritten | Should -Be 1
        $r.Created | Should -Be 1
        Get-Content -LiteralPath (Join-Path $p 'src/app.py') -Raw | Should -Be "print('hello')"
        Test-Path -LiteralPath (Join-Path $p 'src/util.py') | Should -BeTrue

        $r.SafetyBackupId | Should -Not -BeNullOrEmpty
        (Get-FastbandBackup -Project $p -Id $r.SafetyBackupId).Name | Should -Be "pre-restore-$($made.Backup.Id)"
    }

    It 'runs a dry run with -WhatIf: writes what would change and changes nothing' {
        $p = New-BackupTestProject
        $made = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('broken')" -NoNewline

        $r = Restore-FastbandBackup -Project $p -Agent A -BackupId $made.Backup.Id -WhatIf
        $r | Should -BeOfType 'Fastband.Core.Backup.RestoreResult'
        $r.DryRun | Should -BeTrue
        $r.Overwritten | Should -Be 1
        $r.Changes | Should -Contain 'overwrite src/app.py'
        Get-Content -LiteralPath (Join-Path $p 'src/app.py') -Raw | Should -Be "print('broken')"
        @(Get-FastbandBackup -Project $p).Count | Should -Be 1
    }

    It 'restores into -Destination only, resolving a relative path against $PWD' {
        $p = New-BackupTestProject
        $null = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('edited')" -NoNewline
        $into = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $into
        Push-Location $into
        try {
            $r = Restore-FastbandBackup -Project $p -Agent A -BackupId 'latest' -Component code -Destination 'restored' -Confirm:$false
        }
        finally {
            Pop-Location
        }
        $r.Destination | Should -Be (Join-Path $into 'restored')
        Get-Content -LiteralPath (Join-Path $into 'restored/src/app.py') -Raw | Should -Be "print('hello')"
        Get-Content -LiteralPath (Join-Path $p 'src/app.py') -Raw | Should -Be "print('edited')"
        $r.SafetyBackupId | Should -BeNullOrEmpty
    }

    It 'fails with a Fastband error id for an unknown backup' {
        $p = New-BackupTestProject
        $null = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $null = Restore-FastbandBackup -Project $p -Agent A -BackupId 'no-such-backup' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.BackupNotFound*'
    }
}

Describe 'Test-FastbandBackup' {
    It 'passes on a good backup and fails after a byte of an archive flips' {
        $p = New-BackupTestProject
        $made = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $ok = Test-FastbandBackup -Project $p -BackupId $made.Backup.Id
        $ok | Should -BeOfType 'Fastband.Core.Backup.VerifyResult'
        $ok.Ok | Should -BeTrue
        $ok.Checks.Count | Should -BeGreaterThan 0

        $archive = Join-Path $made.Backup.Path 'code_backup.tar.gz'
        $bytes = [System.IO.File]::ReadAllBytes($archive)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [System.IO.File]::WriteAllBytes($archive, $bytes)

        $bad = Get-FastbandBackup -Project $p | Test-FastbandBackup -Project $p
        $bad.Ok | Should -BeFalse
        ($bad.Checks | Where-Object { -not $_.Ok }).Component | Should -Contain 'code'
    }
}

Describe 'Limit-FastbandBackup (prune)' {
    It 'lists with -WhatIf and removes nothing, then removes dailies beyond daily_retention and keeps manual ones' {
        $p = New-BackupTestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.fastband') -Force
        Set-Content -LiteralPath (Join-Path $p '.fastband/backup_config.yaml') -Value "daily_retention: 2`n"
        $manual = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $daily = foreach ($i in 1..3) { New-FastbandBackup -Project $p -Agent A -Type daily -Force -Confirm:$false }
        @(Get-FastbandBackup -Project $p).Count | Should -Be 4

        $dry = Limit-FastbandBackup -Project $p -Agent A -WhatIf
        $dry | Should -BeOfType 'Fastband.Core.Backup.PruneResult'
        $dry.DryRun | Should -BeTrue
        @($dry.Removed).Count | Should -Be 1
        $dry.Removed[0].Id | Should -Be $daily[0].Backup.Id
        @(Get-FastbandBackup -Project $p).Count | Should -Be 4

        $done = Limit-FastbandBackup -Project $p -Agent A -Confirm:$false
        $done.DryRun | Should -BeFalse
        $done.Removed[0].Id | Should -Be $daily[0].Backup.Id
        $left = @(Get-FastbandBackup -Project $p)
        $left.Count | Should -Be 3
        ($left | Where-Object Id -EQ $manual.Backup.Id).RetentionReason | Should -Be 'manual: never pruned automatically'
    }
}

Describe 'Invoke-FastbandScheduledBackup' {
    It 'makes at most one daily backup however often it runs' {
        $p = New-BackupTestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.fastband') -Force
        Set-Content -LiteralPath (Join-Path $p '.fastband/backup_config.yaml') -Value "daily_time: `"00:00`"`nweekly_enabled: false`n"
        $first = Invoke-FastbandScheduledBackup -Project $p -Agent A -Confirm:$false
        $first | Should -BeOfType 'Fastband.Core.Backup.ScheduledRunResult'
        @($first.Runs).Count | Should -Be 1
        $second = Invoke-FastbandScheduledBackup -Project $p -Agent A -Confirm:$false
        @($second.Runs).Count | Should -Be 0
        $second.Message | Should -BeLike "*today's daily backup exists*"
        @(Get-FastbandBackup -Project $p | Where-Object BackupType -EQ 'daily').Count | Should -Be 1
    }
}
