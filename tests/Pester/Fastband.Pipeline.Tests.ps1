#Requires -Version 7.4
# Pester 5: the module behaves as PowerShell users expect. Names and types in any case; no silent truncation;
# read-only cmdlets never create a store; piped paths are one lock grant; result objects bind to the cmdlets that
# take them; error records name their target; -Verbose says what happened. Each Describe is a bug that was real.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    function New-CodeProject {
        $p = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p 'src')
        Set-Content -LiteralPath (Join-Path $p 'src/app.py') -Value "print('hello')" -NoNewline
        $p
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Names and types in any case' {
    It 'finds a hold with -EventType HOLD, as fastband ops read --type HOLD does' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration'
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType status_update -Message 'working'

        @(Get-FastbandOpsLog -Project $p -EventType HOLD).Message | Should -Be @('HOLD for all agents: Database migration')
        @(Get-FastbandOpsLog -Project $p -EventType Hold, STATUS_UPDATE).Count | Should -Be 2
        $cli = & (Join-Path $repoRoot 'fastband') ops read --project $p --type HOLD --json | ConvertFrom-Json
        @($cli).Count | Should -Be 1 -Because 'the CLI and the cmdlet answer the same question the same way'
    }

    It 'takes statuses and severities in any case through Core' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent ops -Id 'ISS-1' -Title 'Crash on save' -Severity HIGH
        (Get-FastbandIssue -Project $p -Id 'ISS-1').Severity | Should -BeExactly 'high'
        @(Get-FastbandIssue -Project $p -Status NEW -Severity High).Id | Should -Be @('ISS-1')
        $null = Set-FastbandStatus -Project $p -Agent A -Status IN_PROGRESS
        ((Get-FastbandBoard -Project $p).Agents | Where-Object Name -eq 'A').Status | Should -BeExactly 'in_progress'
    }
}

Describe 'No silent truncation' {
    It 'finds the hold with the README idiom when more than 100 entries are newer' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'Deploy freeze'
        $null = 1..120 | ForEach-Object { "step $_" } | Write-FastbandOpsLog -Project $p -Agent A -EventType general
        $holds = @(Get-FastbandOpsLog -Project $p -Since 1h | Where-Object EventType -eq 'hold')
        $holds.Count | Should -Be 1 -Because 'a cmdlet returns every match; only -Limit cuts'
        @(Get-FastbandOpsLog -Project $p -Since 1h).Count | Should -Be 121
    }

    It 'lets the CLI keep its default limit but say on stderr how many more there are' {
        $p = New-TestProject
        $null = 1..103 | ForEach-Object { "step $_" } | Write-FastbandOpsLog -Project $p -Agent A -EventType general
        $errFile = Join-Path $TestDrive 'stderr.txt'
        $out = & (Join-Path $repoRoot 'fastband') ops read --project $p --json 2> $errFile | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        @($out).Count | Should -Be 100
        Get-Content -LiteralPath $errFile -Raw | Should -Match '3 more matching entries not shown: pass --limit 0'
        & (Join-Path $repoRoot 'fastband') ops read --project $p --limit 0 --json 2> $errFile | ConvertFrom-Json | Measure-Object | ForEach-Object Count | Should -Be 103
        (Get-Content -LiteralPath $errFile -Raw) | Should -BeNullOrEmpty
    }

    It 'returns every message and every leader term unless -Limit says otherwise' {
        $p = New-TestProject
        $null = Set-FastbandStatus -Project $p -Agent B -Status idle
        $null = 1..105 | ForEach-Object { "note $_" } | Send-FastbandMessage -Project $p -Agent A -To B
        @(Receive-FastbandMessage -Project $p -Agent B).Count | Should -Be 105
        @(Receive-FastbandMessage -Project $p -Agent B -Limit 5).Count | Should -Be 5
    }
}

Describe 'Read-only cmdlets never create a store' {
    It 'leaves a fresh folder as it was after <_>' -ForEach @(
        'Get-FastbandBackup', 'Get-FastbandBackupStatus', 'Get-FastbandOpsLog', 'Get-FastbandLock', 'Get-FastbandDirective', 'Test-FastbandCoordination'
    ) {
        $p = New-CodeProject
        $null = & $_ -Project $p -ErrorAction SilentlyContinue -ErrorVariable failures
        Test-Path -LiteralPath (Join-Path $p '.fastband/fastband.db') | Should -BeFalse
        if ($_ -notlike '*Backup*') {
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.NoStore,*' -Because 'nothing to read is said, not answered with an empty made-up store'
            $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $failures[0].Exception.Message | Should -Match 'Initialize-FastbandProject'
            $failures[0].Exception.Message | Should -Match '\(-Project\)'
        }
    }

    It 'lists no backups in a fresh folder without creating anything' {
        $p = New-CodeProject
        @(Get-FastbandBackup -Project $p).Count | Should -Be 0
        Test-Path -LiteralPath (Join-Path $p '.fastband') | Should -BeFalse
    }
}

Describe 'Piped paths into Enter-FastbandLock' {
    It 'takes one all-or-nothing grant for every path piped in' {
        $p = New-TestProject
        $h = 'src/a.txt', 'src/b.txt' | Enter-FastbandLock -Project $p -Agent A
        try {
            @($h).Count | Should -Be 1 -Because 'one handle for the whole set'
            ($h.Lease.Resources | Sort-Object) -join ',' | Should -Be 'src/a.txt,src/b.txt'
            @(Get-FastbandLock -Project $p).Count | Should -Be 1
        }
        finally {
            $h | Exit-FastbandLock -Project $p -Agent A
        }
    }

    It 'locks none of the piped paths when one is held by another agent' {
        $p = New-TestProject
        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/b.txt'
        try {
            $h = 'src/a.txt', 'src/b.txt' | Enter-FastbandLock -Project $p -Agent A -ErrorAction SilentlyContinue -ErrorVariable refused
            $h | Should -BeNullOrEmpty
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
            @(Get-FastbandLock -Project $p -Agent A).Count | Should -Be 0 -Because 'src/a.txt must not be locked alone'
        }
        finally {
            $b | Exit-FastbandLock -Project $p -Agent B
        }
    }
}

Describe 'Result objects bind to the cmdlets that take them' {
    It 'pipes New-FastbandBackup into Test-FastbandBackup, created or skipped' {
        $p = New-CodeProject
        $created = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $verified = $created | Test-FastbandBackup -Project $p
        $verified.BackupId | Should -Be $created.Backup.Id
        $verified.Ok | Should -BeTrue

        $skipped = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $skipped.Skipped | Should -BeTrue
        $skipped.BackupId | Should -Be $created.Backup.Id -Because 'a skipped backup names the unchanged one that holds this state'
        ($skipped | Test-FastbandBackup -Project $p).BackupId | Should -Be $created.Backup.Id
    }

    It 'pipes a backup into Restore-FastbandBackup -WhatIf as a dry run' {
        $p = New-CodeProject
        $null = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $plan = Get-FastbandBackup -Project $p -Id latest | Restore-FastbandBackup -Project $p -Agent A -WhatIf
        $plan.DryRun | Should -BeTrue
    }

    It 'pipes leases, issues, fixes and messages into the cmdlets that act on them' {
        $p = New-TestProject
        $null = Enter-FastbandLock -Project $p -Agent A -Path 'docs/x.md' -Untied -NoAutoRenew
        (Get-FastbandLock -Project $p | Test-FastbandLockToken -Project $p).Valid | Should -BeTrue
        $renewed = Get-FastbandLock -Project $p | Update-FastbandLock -Project $p -Agent A
        $renewed.LeaseId | Should -Be (Get-FastbandLock -Project $p).LeaseId
        Get-FastbandLock -Project $p | Exit-FastbandLock -Project $p -Agent A
        @(Get-FastbandLock -Project $p).Count | Should -Be 0

        $null = New-FastbandIssue -Project $p -Agent ops -Id 'ISS-7' -Title 'Broken link'
        $claim = Get-FastbandIssue -Project $p -Id 'ISS-7' | Lock-FastbandIssue -Project $p -Agent A
        $claim.AssignedTo | Should -Be 'A'
        $fix = Submit-FastbandFix -Project $p -Agent A -IssueId 'ISS-7' -Title 'Fix the link' -Approach 'Point it at the new page'
        $applied = Get-FastbandFix -Project $p -Id $fix.Id | Approve-FastbandFix -Project $p -Agent ops -Confirm:$false
        (Get-FastbandIssue -Project $p -Id 'ISS-7').Status | Should -Be 'resolved'

        $null = Set-FastbandStatus -Project $p -Agent B -Status idle
        $null = Send-FastbandMessage -Project $p -Agent A -To B -Message 'hello'
        $ack = Receive-FastbandMessage -Project $p -Agent B | Confirm-FastbandMessage -Project $p -Agent B
        @(Receive-FastbandMessage -Project $p -Agent B).Count | Should -Be 0
    }
}

Describe 'Error records and -Verbose' {
    It 'sets TargetObject to what the error is about' {
        $p = New-TestProject
        Initialize-TestStore $p
        $null = Get-FastbandIssue -Project $p -Id 'NOPE-1' -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].TargetObject | Should -Be 'NOPE-1'

        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/held.txt'
        try {
            $null = Enter-FastbandLock -Project $p -Agent A -Path 'src/held.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].TargetObject | Should -Be 'src/held.txt'
        }
        finally {
            $b | Exit-FastbandLock -Project $p -Agent B
        }
    }

    It 'says with -Verbose which project and store, what was skipped, and how long it took' {
        $p = New-CodeProject
        $null = New-FastbandBackup -Project $p -Agent A -Confirm:$false
        $verbose = @(New-FastbandBackup -Project $p -Agent A -Confirm:$false -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($verbose -join "`n") | Should -Match ([regex]::Escape("Project $p"))
        ($verbose -join "`n") | Should -Match 'Skipped: nothing changed since backup'
        ($verbose -join "`n") | Should -Match 'New-FastbandBackup took \d+ ms'

        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'x'
        $verbose = @(Get-FastbandOpsLog -Project $p -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($verbose -join "`n") | Should -Match 'store sqlite:'
        ($verbose -join "`n") | Should -Match 'Get-FastbandOpsLog took \d+ ms'
    }
}
