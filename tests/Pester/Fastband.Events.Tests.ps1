#Requires -Version 7.4
# Pester 5 tests for the interaction event log: Write-FastbandEvent, Get-FastbandEvent, Import-FastbandEvent,
# Export-FastbandEvent, Update-FastbandTranscript (and -Watch), Receive-FastbandEvent, Confirm-FastbandEvent and
# Get-FastbandEventCursor.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so
# neither the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Events.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Write-FastbandEvent and Get-FastbandEvent' {
    It 'logs into the current interaction, a new one, or the one given' {
        $p = New-TestProject
        $q = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'How do I start?' -NewInteraction
        $a = Write-FastbandEvent -Project $p -Agent bob -Type answer -Content 'Run ./start.sh'
        $n = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'Next' -NewInteraction
        $f = Write-FastbandEvent -Project $p -Agent alice -Type followup -Content 'Late' -Interaction 1

        $q | Should -BeOfType 'Fastband.Core.Events.InteractionEvent'
        ($q, $a, $n, $f).Interaction -join ',' | Should -Be '1,1,2,1'
        $a.Actor | Should -BeExactly 'bob'
        $q.Queued | Should -BeFalse
        (@(Get-FastbandEvent -Project $p -Interaction 1).Type -join ',') | Should -Be 'question,answer,followup'
        (@(Get-FastbandEvent -Project $p -Type answer).Content) | Should -Be 'Run ./start.sh'
        (@(Get-FastbandEvent -Project $p -Limit 1).Content) | Should -Be 'Late'
    }

    It 'reports a type of the wrong shape as Fastband.InvalidEventType and writes nothing' {
        $p = New-TestProject
        $r = Write-FastbandEvent -Project $p -Agent alice -Type 'not a type' -Content 'x' -ErrorAction SilentlyContinue -ErrorVariable failures
        $r | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.InvalidEventType,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        @(Get-FastbandEvent -Project $p).Count | Should -Be 0
    }

    It 'logs each content piped in, and nothing with -WhatIf' {
        $p = New-TestProject
        $null = 'one', 'two' | Write-FastbandEvent -Project $p -Agent alice -Type heartbeat
        Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'no' -WhatIf | Should -BeNullOrEmpty
        (@(Get-FastbandEvent -Project $p).Content -join ',') | Should -Be 'one,two'
    }
}

Describe 'Import-FastbandEvent and Export-FastbandEvent' {
    It 'imports the seed lines, moves a malformed one aside, and adds nothing on a second import' {
        $p = New-TestProject
        $log = Join-Path $p 'events.log'
        @(
            '{"interaction":1,"actor":"Agent A","type":"question","content":"hi","timestamp":"2026-11-20T09:00:00Z"}'
            '{"interaction":1,"actor":"Agent B","type":"answer","content":"cut'
            '{"interaction":1,"actor":"Agent B","type":"answer","content":"hello","timestamp":"2026-11-20T09:00:05Z"}'
        ) | Set-Content -LiteralPath $log -Encoding utf8NoBOM

        $first = Import-FastbandEvent -Project $p -Agent importer -Path $log -WarningAction SilentlyContinue
        $first | Should -BeOfType 'Fastband.Core.Events.ImportResult'
        $first.Imported | Should -Be 2
        $first.Malformed | Should -Be 1
        $first.Problems[0].Line | Should -Be 2
        Test-Path (Join-Path $p 'events.error.log') | Should -BeTrue

        $second = Import-FastbandEvent -Project $p -Agent importer -Path $log -WarningAction SilentlyContinue
        $second.Imported | Should -Be 0
        $second.AlreadyPresent | Should -Be 2
        (@(Get-FastbandEvent -Project $p).Type -join ',') | Should -Be 'question,answer,error'
    }

    It 'exports the seed format that imports back into a fresh project unchanged' {
        $p = New-TestProject
        $null = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'one' -NewInteraction
        $out = Join-Path $p 'out.log'
        (Export-FastbandEvent -Project $p -Path $out).Events | Should -Be 1
        (Get-Content -LiteralPath $out) | Should -Match '^\{"interaction":1,"actor":"alice","type":"question","content":"one","timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$'
        $other = New-TestProject
        (Import-FastbandEvent -Project $other -Agent b -Path $out).Imported | Should -Be 1
    }
}

Describe 'Update-FastbandTranscript' {
    It 'writes the last three interactions between the markers and the rest to archive.md, byte for byte the same twice' {
        $p = New-TestProject
        1..5 | ForEach-Object { $null = Write-FastbandEvent -Project $p -Agent alice -Type question -Content "q$_" -NewInteraction }
        $r = Update-FastbandTranscript -Project $p
        $r | Should -BeOfType 'Fastband.Core.Events.TranscriptResult'
        ($r.RecentInteractions -join ',') | Should -Be '3,4,5'
        $comm = Get-Content -LiteralPath (Join-Path $p 'communication.md') -Raw
        $comm | Should -Match '<!-- BEGIN COMMUNICATION -->'
        $comm | Should -Match '<!-- END COMMUNICATION -->'
        $comm | Should -Match '#### Question'
        $comm | Should -Not -Match 'q2'
        (Get-Content -LiteralPath (Join-Path $p 'archive.md') -Raw) | Should -Match '## Interaction #1'
        (Update-FastbandTranscript -Project $p).Changed | Should -BeFalse
    }

    It 'keeps the old files and reports Fastband.TranscriptFailed when the new one cannot be written' {
        $p = New-TestProject
        $null = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'one' -NewInteraction
        $null = Update-FastbandTranscript -Project $p
        $before = Get-Content -LiteralPath (Join-Path $p 'communication.md') -Raw
        $null = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'two' -NewInteraction
        $null = New-Item -ItemType Directory -Path (Join-Path $p 'communication.md.tmp')

        Update-FastbandTranscript -Project $p -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.TranscriptFailed,*'
        (Get-Content -LiteralPath (Join-Path $p 'communication.md') -Raw) | Should -Be $before
        (@(Get-FastbandEvent -Project $p -Type error)).Count | Should -Be 1
    }

    It 'with -Watch writes again when an event arrives and stops when the pipeline is stopped' {
        $p = New-TestProject
        $null = Write-FastbandEvent -Project $p -Agent alice -Type question -Content 'first' -NewInteraction
        $manifest = Join-Path $repoRoot 'module/Fastband/Fastband.psd1'
        $job = Start-BackgroundJob -ArgumentList $manifest, $p -ScriptBlock {
            param($manifest, $project)
            Import-Module $manifest
            Update-FastbandTranscript -Project $project -Watch | Select-Object -First 2
        }
        try {
            $comm = Join-Path $p 'communication.md'
            $deadline = (Get-Date).AddSeconds(60)
            while (-not (Test-Path $comm) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $null = Write-FastbandEvent -Project $p -Agent bob -Type answer -Content 'arrived while watching'
            $results = @($job | Wait-Job -Timeout 60 | Receive-Job)
            $results.Count | Should -Be 2
            (Get-Content -LiteralPath $comm -Raw) | Should -Match 'arrived while watching'
        }
        finally {
            $job | Remove-Job -Force
        }
    }
}

Describe 'Receive-FastbandEvent, Confirm-FastbandEvent and Get-FastbandEventCursor' {
    It 'returns what follows the cursor, acknowledges up to the last piped event and keeps the checkpoint file in step' {
        $p = New-TestProject
        1..3 | ForEach-Object { $null = Write-FastbandEvent -Project $p -Agent writer -Type question -Content "q$_" -NewInteraction }

        (@(Receive-FastbandEvent -Project $p -Agent me -Limit 2).Id -join ',') | Should -Be '1,2'
        $cursor = Receive-FastbandEvent -Project $p -Agent me -Limit 2 | Confirm-FastbandEvent -Project $p -Agent me
        $cursor | Should -BeOfType 'Fastband.Core.Events.EventCursor'
        $cursor.AckedId | Should -Be 2
        $cursor.Pending | Should -Be 1
        (Get-Content -LiteralPath (Join-Path $p 'agent-me.checkpoint') -Raw) | Should -Be "2`n"
        (@(Receive-FastbandEvent -Project $p -Agent me).Id -join ',') | Should -Be '3'
        (Get-FastbandEventCursor -Project $p -Agent me).AckedId | Should -Be 2
    }

    It 'moves the cursor with -Acknowledge, never back, and acknowledges nothing with -WhatIf' {
        $p = New-TestProject
        1..3 | ForEach-Object { $null = Write-FastbandEvent -Project $p -Agent writer -Type question -Content "q$_" }
        $null = Receive-FastbandEvent -Project $p -Agent me -Limit 1 -Acknowledge -WhatIf
        (Get-FastbandEventCursor -Project $p -Agent me).AckedId | Should -Be 0
        $null = Receive-FastbandEvent -Project $p -Agent me -Acknowledge
        (Get-FastbandEventCursor -Project $p -Agent me).AckedId | Should -Be 3
        (Confirm-FastbandEvent -Project $p -Agent me -UpTo 1).AckedId | Should -Be 3
    }

    It 'reports an unknown id as Fastband.EventNotFound' {
        $p = New-TestProject
        $null = Confirm-FastbandEvent -Project $p -Agent me -UpTo 9 -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.EventNotFound,*'
    }
}
