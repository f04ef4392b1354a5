#Requires -Version 7.4
# Pester 5 tests for the argument completers: agents, tickets, backups (and 'latest'), held lock paths, lease
# ids, issues, fixes, checkpoints, snapshots and sessions, each driven the way the Tab key drives it
# (TabExpansion2 on a command line), against a project with real data made through the cmdlets in a real git
# repository. Also: the project is found the way the cmdlets find it (-Project typed, relative or not;
# FASTBAND_PROJECT; the nearest .fastband/ above $PWD), and completing where there is no project (or no store,
# or a broken config) offers nothing, raises nothing and creates nothing.
# Run through tests/Pester/run.ps1 (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $savedSession = [Environment]::GetEnvironmentVariable('FASTBAND_SESSION')
    [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', $null)

    # The completions PowerShell offers with the cursor at the end of the line.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    function Get-CompletionText([string] $Line) {
        @(Get-Completion $Line | ForEach-Object CompletionText)
    }

    # One project for the whole file, in a real git repository, with data in every store the completers read.
    $p = New-TestProject
    git -C $p init -q -b main
    git -C $p config user.name 'Test User'
    git -C $p config user.email 'test@example.invalid'
    $null = New-Item -ItemType Directory -Path (Join-Path $p 'src')
    Set-Content -LiteralPath (Join-Path $p 'README.md') -Value 'hello' -NoNewline
    git -C $p add README.md
    git -C $p commit -q -m first

    $null = Register-FastbandAgent -Project $p -Agent alice -TicketId 1205
    $null = Register-FastbandAgent -Project $p -Agent albert
    $null = Register-FastbandAgent -Project $p -Agent bob
    $null = Write-FastbandOpsLog -Project $p -Agent bob -EventType status_update -Message 'Looking at the footer' -TicketId 1310

    $apiLock = Enter-FastbandLock -Project $p -Agent alice -Path src/api -Ttl 1h -Untied
    $notesLock = Enter-FastbandLock -Project $p -Agent bob -Path 'docs/release notes' -Ttl 1h -Untied

    $firstBackup = (New-FastbandBackup -Project $p -Agent alice -Name before-refactor -Confirm:$false).Backup
    $partialBackup = (New-FastbandBackup -Project $p -Agent alice -Component code, data -Force -Confirm:$false).Backup

    $null = New-FastbandIssue -Project $p -Agent alice -Title 'Header misaligned' -Severity high
    $null = New-FastbandIssue -Project $p -Agent alice -Title 'Slow list' -Severity low
    $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001
    $fix = Submit-FastbandFix -Project $p -Agent bob -IssueId issue_001 -Title 'Use flexbox' -Approach 'flex instead of floats'

    $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[{"role":"user","content":"hi"}]' -CurrentTask T1
    $null = New-FastbandCheckpoint -Project $p -Agent alice -Name v1 -Description 'works'
    $null = New-FastbandCheckpoint -Project $p -Agent alice -Name v2-beta
    Set-Content -LiteralPath (Join-Path $p 'README.md') -Value 'changed' -NoNewline
    $snapshot = New-FastbandSnapshot -Project $p -Agent alice 'before experiments'
}

AfterAll {
    $apiLock, $notesLock | Where-Object { $_ } | Exit-FastbandLock -Project $p -ErrorAction SilentlyContinue
    [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', $savedSession)
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Agent completion' {
    It 'offers every registered agent for Send-FastbandMessage -To, as parameter values with a tooltip' {
        $found = Get-Completion "Send-FastbandMessage -Project '$p' -To "
        ($found.CompletionText | Sort-Object) | Should -Be @('albert', 'alice', 'bob')
        $found | ForEach-Object { $_.ResultType | Should -Be 'ParameterValue' }
        ($found | Where-Object CompletionText -eq 'alice').ToolTip | Should -Match 'ticket 1205'
    }

    It 'filters by the typed prefix, case-insensitively' {
        (Get-CompletionText "Send-FastbandMessage -Project '$p' -To al" | Sort-Object) | Should -Be @('albert', 'alice')
        (Get-CompletionText "Send-FastbandMessage -Project '$p' -To ALI") | Should -Be @('alice')
        Get-CompletionText "Send-FastbandMessage -Project '$p' -To zed" | Should -BeNullOrEmpty
    }

    It 'completes the agents named by -ToAgent, -ForAgent and the -Agent filters' {
        Get-CompletionText "Grant-FastbandClearance -Project '$p' -ToAgent b" | Should -Be @('bob')
        Get-CompletionText "Grant-FastbandClearance -Project '$p' -ToAgent alice, b" | Should -Be @('bob')
        Get-CompletionText "Set-FastbandHold -Project '$p' -Reason r -ForAgent bo" | Should -Be @('bob')
        Get-CompletionText "Get-FastbandOpsLog -Project '$p' -Agent bo" | Should -Be @('bob')
        Get-CompletionText "Get-FastbandLock -Project '$p' -Agent bo" | Should -Be @('bob')
        Get-CompletionText "Get-FastbandAgent -Project '$p' -Name alb" | Should -Be @('albert')
    }

    It 'keeps a quote the user opened' {
        Get-CompletionText "Send-FastbandMessage -Project '$p' -To 'bo" | Should -Be @("'bob'")
        Get-CompletionText "Send-FastbandMessage -Project '$p' -To `"bo" | Should -Be @('"bob"')
    }
}

Describe 'Ticket completion' {
    It 'offers the tickets agents are on and those in the ops log' {
        $tickets = Get-CompletionText "Get-FastbandOpsLog -Project '$p' -TicketId "
        $tickets | Should -Contain '1205'
        $tickets | Should -Contain '1310'
        Get-CompletionText "Test-FastbandCoordination -Project '$p' -TicketId 13" | Should -Be @('1310')
        Get-CompletionText "Write-FastbandOpsLog -Project '$p' -EventType status_update -Message m -TicketId 12" | Should -Be @('1205')
    }
}

Describe 'Backup completion' {
    It "offers 'latest' first, then the backups' ids, newest first, and their names" {
        $texts = Get-CompletionText "Restore-FastbandBackup -Project '$p' -BackupId "
        $texts[0] | Should -BeExactly 'latest'
        $texts[1] | Should -BeExactly $partialBackup.Id
        $texts[2] | Should -BeExactly $firstBackup.Id
        $texts | Should -Contain 'before-refactor'
        $texts.Count | Should -Be 4
    }

    It 'filters ids, names and latest by the typed prefix, case-insensitively' {
        Get-CompletionText "Test-FastbandBackup -Project '$p' -BackupId LAT" | Should -Be @('latest')
        Get-CompletionText "Restore-FastbandBackup -Project '$p' -BackupId bef" | Should -Be @('before-refactor')
        Get-CompletionText "Get-FastbandBackup -Project '$p' -Id $($firstBackup.Id)" | Should -Be @($firstBackup.Id)
    }

    It 'offers for -Component the components the typed backup holds' {
        Get-CompletionText "Restore-FastbandBackup -Project '$p' -BackupId $($partialBackup.Id) -Component " | Should -Be @('code', 'data')
        Get-CompletionText "Restore-FastbandBackup -Project '$p' -BackupId $($partialBackup.Id) -Component d" | Should -Be @('data')
        Get-CompletionText "New-FastbandBackup -Project '$p' -Component d" | Should -Be @('data', 'database') -Because 'without a backup, every component'
        Get-CompletionText "New-FastbandBackup -Project '$p' -Component GI" | Should -Be @('git')
    }

    It 'refuses an unknown -Component through Core, naming the valid ones, and writes nothing' {
        $before = @(Get-FastbandBackup -Project $p).Count
        $null = New-FastbandBackup -Project $p -Agent alice -Component code, nonsense -Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable bad
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.InvalidComponent,*'
        $bad[0].Exception.Message | Should -Match "'nonsense' is not a backup component: use one of code, config, data, database, git"
        @(Get-FastbandBackup -Project $p).Count | Should -Be $before
    }
}

Describe 'Lock completion' {
    It 'offers the held paths, quoting the one with a space' {
        $texts = Get-CompletionText "Revoke-FastbandLock -Project '$p' -Reason r -Path "
        $texts | Should -Contain 'src/api'
        $texts | Should -Contain "'docs/release notes'"
        Get-CompletionText "Request-FastbandLockHandoff -Project '$p' -Path DOC" | Should -Be @("'docs/release notes'")
        Get-CompletionText "Request-FastbandLockHandoff -Project '$p' -Path 'docs/rel" | Should -Be @("'docs/release notes'")
        (Get-Completion "Revoke-FastbandLock -Project '$p' -Path docs").ListItemText | Should -Be @('docs/release notes')
    }

    It 'offers the live lease ids, the -Agent given first' {
        $texts = Get-CompletionText "Update-FastbandLock -Project '$p' -Agent bob -LeaseId "
        $texts | Should -Be @($notesLock.LeaseId, $apiLock.LeaseId)
        Get-CompletionText "Exit-FastbandLock -Project '$p' -LeaseId $($apiLock.LeaseId.Substring(0, 10))" | Should -Contain $apiLock.LeaseId
        Get-CompletionText "Test-FastbandLockToken -Project '$p' -Token 1 -LeaseId lease-none" | Should -BeNullOrEmpty
    }
}

Describe 'Issue and fix completion' {
    It 'offers issue ids with their titles' {
        $found = Get-Completion "Lock-FastbandIssue -Project '$p' -Id "
        ($found.CompletionText | Sort-Object) | Should -Be @('issue_001', 'issue_002')
        ($found | Where-Object CompletionText -eq 'issue_002').ToolTip | Should -Match 'Slow list'
        Get-CompletionText "Submit-FastbandFix -Project '$p' -IssueId ISSUE_002" | Should -Be @('issue_002')
        Get-CompletionText "New-FastbandIssue -Project '$p' -Title t -BlockedBy issue_00" | Should -HaveCount 2
    }

    It 'offers fix ids, filtered by prefix' {
        Get-CompletionText "Approve-FastbandFix -Project '$p' -Id " | Should -Be @($fix.Id)
        Get-CompletionText "Get-FastbandFix -Project '$p' -Id FIX" | Should -Be @($fix.Id)
        Get-CompletionText "Deny-FastbandFix -Project '$p' -Reason r -Id issue" | Should -BeNullOrEmpty
    }
}

Describe 'Checkpoint, snapshot and session completion' {
    It 'offers checkpoint names, filtered by prefix' {
        (Get-CompletionText "Restore-FastbandCheckpoint -Project '$p' -Name " | Sort-Object) | Should -Be @('v1', 'v2-beta')
        Get-CompletionText "Get-FastbandCheckpoint -Project '$p' -Name V2" | Should -Be @('v2-beta')
    }

    It 'offers snapshot ids' {
        Get-CompletionText "Restore-FastbandSnapshot -Project '$p' -Id " | Should -Contain $snapshot.Id
        Get-CompletionText "Get-FastbandSnapshot -Project '$p' -Id $($snapshot.Id.Substring(0, 6))" | Should -Contain $snapshot.Id
    }

    It 'offers saved session ids' {
        Get-CompletionText "Restore-FastbandSession -Project '$p' -SessionId " | Should -Be @('s1')
    }
}

Describe 'Which project completion reads' {
    AfterEach {
        [Environment]::SetEnvironmentVariable('FASTBAND_PROJECT', $null)
    }

    It 'uses FASTBAND_PROJECT when no -Project is typed' {
        Push-Location $TestDrive
        try {
            [Environment]::SetEnvironmentVariable('FASTBAND_PROJECT', $p)
            Get-CompletionText 'Send-FastbandMessage -To bo' | Should -Be @('bob')
        }
        finally { Pop-Location }
    }

    It 'uses the nearest .fastband/ above $PWD' {
        Push-Location (Join-Path $p 'src')
        try { Get-CompletionText 'Send-FastbandMessage -To bo' | Should -Be @('bob') }
        finally { Pop-Location }
    }

    It 'resolves a relative -Project against $PWD, and prefers it to FASTBAND_PROJECT' {
        $elsewhere = New-TestProject
        Push-Location (Split-Path $p -Parent)
        try {
            [Environment]::SetEnvironmentVariable('FASTBAND_PROJECT', $elsewhere)
            Get-CompletionText "Send-FastbandMessage -Project ./$(Split-Path $p -Leaf) -To bo" | Should -Be @('bob')
            Get-CompletionText 'Send-FastbandMessage -To bo' | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
        Test-Path -LiteralPath (Join-Path $elsewhere '.fastband') | Should -BeFalse
    }
}

Describe 'Completion where there is nothing to read' {
    BeforeAll {
        $lines = @(
            'Send-FastbandMessage -To '
            'Get-FastbandOpsLog -TicketId '
            'Restore-FastbandBackup -BackupId '
            'Revoke-FastbandLock -Path '
            'Update-FastbandLock -LeaseId '
            'Lock-FastbandIssue -Id '
            'Approve-FastbandFix -Id '
            'Restore-FastbandCheckpoint -Name '
            'Restore-FastbandSnapshot -Id '
            'Get-FastbandSession -SessionId '
        )
    }

    It 'offers nothing and creates no .fastband/ in a folder without a project' {
        $empty = New-TestProject
        Push-Location $empty
        try {
            foreach ($line in $lines) { Get-Completion $line | Should -BeNullOrEmpty -Because $line }
        }
        finally { Pop-Location }
        Get-ChildItem -LiteralPath $empty -Force | Should -BeNullOrEmpty
    }

    It 'offers nothing for a -Project that does not exist, and raises no error' {
        $missing = Join-Path $TestDrive 'no-such-project'
        $Error.Clear()
        foreach ($line in $lines) { Get-Completion ($line -replace ' -', " -Project '$missing' -") | Should -BeNullOrEmpty }
        $Error.Count | Should -Be 0
        Test-Path -LiteralPath $missing | Should -BeFalse
    }

    It 'creates no store in a project whose .fastband/ holds no store yet' {
        $bare = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $bare '.fastband')
        foreach ($line in $lines) { Get-Completion ($line -replace ' -', " -Project '$bare' -") | Should -BeNullOrEmpty }
        Get-ChildItem -LiteralPath (Join-Path $bare '.fastband') -Force | Should -BeNullOrEmpty
    }

    It 'offers nothing, and raises nothing, when the config is broken' {
        $broken = New-TestProject
        $null = Register-FastbandAgent -Project $broken -Agent alice
        Set-Content -LiteralPath (Join-Path $broken '.fastband/config.yaml') -Value "store: [unclosed"
        $Error.Clear()
        Get-Completion "Send-FastbandMessage -Project '$broken' -To " | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }

    It 'still offers the component names without a project' {
        $empty = New-TestProject
        Push-Location $empty
        try { Get-CompletionText 'New-FastbandBackup -Component co' | Should -Be @('code', 'config') }
        finally { Pop-Location }
        Get-ChildItem -LiteralPath $empty -Force | Should -BeNullOrEmpty
    }
}
