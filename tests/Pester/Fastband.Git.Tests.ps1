#Requires -Version 7.4
# Pester 5 tests for the git safety net and session state: Save-FastbandWork, New-FastbandCheckpoint,
# Get-FastbandCheckpoint, Restore-FastbandCheckpoint (-WhatIf as a dry run, -Confirm:$false, -WithSession),
# Undo-FastbandCommit, Get-FastbandGitStatus, New-FastbandSnapshot, Get-FastbandSnapshot, Restore-FastbandSnapshot
# (from the pipeline), Save-FastbandSession, Get-FastbandSession and Restore-FastbandSession.
#
# Every test makes a real git repository under TestDrive with its own user.name/user.email (never the global
# config) and passes -Project and -Agent explicitly.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Git.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $savedSession = [Environment]::GetEnvironmentVariable('FASTBAND_SESSION')
    [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', $null)

    function New-GitTestRepo {
        $p = New-TestProject
        git -C $p init -q -b main
        git -C $p config user.name 'Test User'
        git -C $p config user.email 'test@example.invalid'
        Set-Content -LiteralPath (Join-Path $p 'README.md') -Value 'hello' -NoNewline
        git -C $p add README.md
        git -C $p commit -q -m first
        $p
    }
}

AfterAll {
    [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', $savedSession)
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Save-FastbandWork' {
    It 'commits the given files with the agent message and trailers, and reports nothing to commit as a result' {
        $p = New-GitTestRepo
        Set-Content -LiteralPath (Join-Path $p 'a.txt') -Value 'a' -NoNewline
        $r = Save-FastbandWork -Project $p -Agent alice -Session s1 -Task T037 -Description 'Git coordinator' -Path a.txt
        $r | Should -BeOfType 'Fastband.Core.Git.GitCommitResult'
        $r.Committed | Should -BeTrue
        $r.Files | Should -Be @('a.txt')
        # -BeLike would read '[alice]' as a character class; compare the lines themselves
        @(git -C $p log -1 --format=%B | Where-Object { $_ }) | Should -Be @('[alice] T037: Git coordinator', 'Agent: alice', 'Task: T037', 'Session: s1')

        $again = Save-FastbandWork -Project $p -Agent alice -Task T037 -Description 'again'
        $again.Committed | Should -BeFalse
        $again.Reason | Should -Not -BeNullOrEmpty
    }

    It 'reports a folder that is not a repository as Fastband.NotAGitRepository naming it' {
        $p = New-TestProject
        $env:GIT_CEILING_DIRECTORIES = Split-Path $p
        try {
            $null = Save-FastbandWork -Project $p -Agent alice -Task T -Description d -ErrorAction SilentlyContinue -ErrorVariable failures
        }
        finally { Remove-Item Env:GIT_CEILING_DIRECTORIES }
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.NotAGitRepository,*'
        $failures[0].Exception.Message | Should -BeLike "*$p*"
    }
}

Describe 'New-FastbandCheckpoint and Restore-FastbandCheckpoint' {
    It 'checkpoints with session state, refuses an existing name, and restores both after snapshotting' {
        $p = New-GitTestRepo
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[{"role":"user","content":"hi"}]' -CurrentTask T1
        Set-Content -LiteralPath (Join-Path $p 'app.txt') -Value 'v1' -NoNewline
        $cp = New-FastbandCheckpoint -Project $p -Agent alice -Session s1 -Name v1 -Description 'works'
        $cp | Should -BeOfType 'Fastband.Core.Git.GitCheckpoint'
        $cp.HasSessionState | Should -BeTrue
        (git -C $p cat-file -t refs/tags/checkpoint-v1) | Should -Be 'tag'

        $null = New-FastbandCheckpoint -Project $p -Agent alice -Name v1 -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.CheckpointExists,*'

        Set-Content -LiteralPath (Join-Path $p 'app.txt') -Value 'v2 broken' -NoNewline
        Set-Content -LiteralPath (Join-Path $p 'notes.txt') -Value 'untracked' -NoNewline
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[]' -CurrentTask T9

        $dry = Get-FastbandCheckpoint -Project $p -Name v1 | Restore-FastbandCheckpoint -Project $p -Agent alice -WhatIf
        $dry.DryRun | Should -BeTrue
        Get-Content -LiteralPath (Join-Path $p 'app.txt') -Raw | Should -Be 'v2 broken'

        $r = Restore-FastbandCheckpoint -Project $p -Agent alice -Session s1 -Name v1 -WithSession -Confirm:$false
        $r | Should -BeOfType 'Fastband.Core.Git.GitRestoreResult'
        Get-Content -LiteralPath (Join-Path $p 'app.txt') -Raw | Should -Be 'v1'
        Get-Content -LiteralPath (Join-Path $p 'notes.txt') -Raw | Should -Be 'untracked'
        (Get-FastbandSession -Project $p -SessionId s1).CurrentTask | Should -Be 'T1'

        # Undo the restore from the snapshot it took.
        Get-FastbandSnapshot -Project $p -Id $r.Snapshot.Id | Restore-FastbandSnapshot -Project $p -Agent alice -WithSession -Confirm:$false
        Get-Content -LiteralPath (Join-Path $p 'app.txt') -Raw | Should -Be 'v2 broken'
        (Get-FastbandSession -Project $p -SessionId s1).CurrentTask | Should -Be 'T9'
        @(Get-FastbandSnapshot -Project $p).Count | Should -Be 2
    }
}

Describe 'Undo-FastbandCommit' {
    It 'rolls back its own commit softly and refuses over another agent''s' {
        $p = New-GitTestRepo
        Set-Content -LiteralPath (Join-Path $p 'a.txt') -Value 'a' -NoNewline
        $null = Save-FastbandWork -Project $p -Agent alice -Task T1 -Description a
        Set-Content -LiteralPath (Join-Path $p 'b.txt') -Value 'b' -NoNewline
        $null = Save-FastbandWork -Project $p -Agent bob -Task T2 -Description b

        $null = Undo-FastbandCommit -Project $p -Agent alice -Count 2 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.RollbackRefused,*'
        $refused[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceBusy)

        $what = Undo-FastbandCommit -Project $p -Agent bob -WhatIf
        $what.DryRun | Should -BeTrue
        $r = Undo-FastbandCommit -Project $p -Agent bob -Confirm:$false
        $r.RolledBack | Should -BeTrue
        (git -C $p diff --cached --name-only) | Should -Be 'b.txt'
    }
}

Describe 'Get-FastbandGitStatus' {
    It 'returns the branch, structured changes and commits with their agents' {
        $p = New-GitTestRepo
        Set-Content -LiteralPath (Join-Path $p 'a.txt') -Value 'a' -NoNewline
        $null = Save-FastbandWork -Project $p -Agent alice -Task T1 -Description a
        Set-Content -LiteralPath (Join-Path $p 'u.txt') -Value 'u' -NoNewline
        $s = Get-FastbandGitStatus -Project $p
        $s | Should -BeOfType 'Fastband.Core.Git.GitStatus'
        $s.Branch | Should -Be 'main'
        ($s.Changes | Where-Object Path -eq 'u.txt').Kind | Should -Be 'untracked'
        $s.RecentCommits[0].Agent | Should -Be 'alice'
    }
}

Describe 'Save-FastbandSession and Get-FastbandSession' {
    It 'refuses malformed JSON with the reason and saves nothing' {
        $p = New-TestProject
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[1]'
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[{"role":' -ErrorAction SilentlyContinue -ErrorVariable bad
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.MalformedJson,*'
        $bad[0].Exception.Message | Should -BeLike '*nothing was saved*'
        (Get-FastbandSession -Project $p -SessionId s1).ConversationHistory | Should -Be '[1]'
    }

    It 'copies a session through the pipeline and lists both' {
        $p = New-TestProject
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[{"a":1}]' -AgentContexts '{"x":1}' -CurrentTask T
        Get-FastbandSession -Project $p -SessionId s1 | Save-FastbandSession -Project $p -Agent alice -SessionId s2
        $copy = Get-FastbandSession -Project $p -SessionId s2
        $copy | Should -BeOfType 'Fastband.Core.Sessions.SessionState'
        $copy.AgentContexts | Should -Be '{"x":1}'
        @(Get-FastbandSession -Project $p).SessionId | Sort-Object | Should -Be @('s1', 's2')
    }
}

Describe 'Restore-FastbandSession' {
    It 'returns the whole saved state, the same object as Get-FastbandSession, and pipes into Save-FastbandSession' {
        $p = New-TestProject
        $conversation = '[{"role":"user","content":"caf' + [char]0xe9 + '"},{"role":"assistant","content":"ok"}]'
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory $conversation -TaskProgress '{"T1":"in_progress"}' -CurrentTask T1
        $r = Restore-FastbandSession -Project $p -SessionId s1
        $r | Should -BeOfType 'Fastband.Core.Sessions.SessionState'
        $r.ConversationHistory | Should -BeExactly $conversation
        $r.TaskProgress | Should -Be '{"T1":"in_progress"}'
        $r.CurrentTask | Should -Be 'T1'
        $r.MessageCount | Should -Be 2
        $r.UpdatedAt | Should -Be (Get-FastbandSession -Project $p -SessionId s1).UpdatedAt
        $r | Save-FastbandSession -Project $p -Agent alice -SessionId s2 | Out-Null
        (Restore-FastbandSession -Project $p -SessionId s2).ConversationHistory | Should -BeExactly $conversation
    }

    It 'defaults to FASTBAND_SESSION, returns nothing with -WhatIf, and reports an unknown session as not found' {
        $p = New-TestProject
        $null = Save-FastbandSession -Project $p -Agent alice -SessionId s1 -ConversationHistory '[1]'
        [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', 's1')
        try {
            (Restore-FastbandSession -Project $p).ConversationHistory | Should -Be '[1]'
        } finally {
            [Environment]::SetEnvironmentVariable('FASTBAND_SESSION', $null)
        }
        Restore-FastbandSession -Project $p -SessionId s1 -WhatIf | Should -BeNullOrEmpty
        $null = Restore-FastbandSession -Project $p -SessionId ghost -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.SessionNotFound,*'
    }
}
