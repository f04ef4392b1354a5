#Requires -Version 7.4
# Pester 5: several pwsh processes write to one project's ops log at the same time, and a negative control.
#
# 8 processes start at once (`pwsh -NoProfile -Command ...`), each imports the module and writes 200 entries
# under its own -Agent with a sequence number in -Metadata. Each writer records when it started and ended
# writing. The test then checks that nothing was lost or duplicated and that the writers really overlapped.
# Then, at a second gate, the same 8 processes append 200 lines each to a plain text file by read-modify-write
# (read it all, add a line, write it all back): the same check finds lines lost there, which shows it would
# catch a log that lost writes. The worker helpers (gates, marks, results) are in TestSetup.ps1; races of
# claims, locks and holds are in Fastband.Races.Tests.ps1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    $writerCount = 8
    $entriesPerWriter = 200

    # What each writer process runs after the prologue (Import-Module). It waits at a gate so that all writers
    # begin together, after the slow part (pwsh start-up and Import-Module) is over, and records its start and
    # end times (UTC ticks) for each phase.
    $writerBody = @'
    $count = [int]$env:FB_TEST_COUNT
    $me = $env:FB_TEST_WORKER
    Set-TestMark ready
    $null = Wait-TestGate ops-log
    $start = [DateTime]::UtcNow.Ticks
    for ($i = 0; $i -lt $count; $i++) {
        $null = Write-FastbandOpsLog -Project $env:FB_TEST_PROJECT -Agent $me -EventType status_update `
            -Message "write $i" -Metadata @{ seq = $i; writer = $me }
    }
    Write-TestResult ops-log @{ Start = $start; End = [DateTime]::UtcNow.Ticks }

    # The control: an unprotected append, with a short pause between the read and the write back.
    $null = Wait-TestGate text-file
    $start = [DateTime]::UtcNow.Ticks
    for ($i = 0; $i -lt $count; $i++) {
        try {
            $lines = [System.IO.File]::ReadAllLines($env:FB_TEST_TEXT)
            Start-Sleep -Milliseconds 2
            [System.IO.File]::WriteAllLines($env:FB_TEST_TEXT, [string[]]($lines + "$me $i"))
        }
        catch [System.IO.IOException] {
            $i--   # the file was busy: try this line again
        }
    }
    Write-TestResult text-file @{ Start = $start; End = [DateTime]::UtcNow.Ticks }
'@

    # What went wrong with a set of writes, each a writer's name and a sequence number: per writer, which of
    # 0..Count-1 are missing and which appear more than once. The same check judges the log and the control.
    function Get-WriteDamage([object[]] $Writes, [string[]] $Writers, [int] $Count) {
        foreach ($writer in $Writers) {
            $seen = @($Writes | Where-Object Writer -eq $writer | ForEach-Object { [int]$_.Seq })
            [pscustomobject]@{
                Writer  = $writer
                Missing = @(0..($Count - 1) | Where-Object { $_ -notin $seen })
                Doubled = @($seen | Group-Object | Where-Object Count -gt 1 | ForEach-Object { [int]$_.Name })
            }
        }
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Concurrent writers' {
    BeforeAll {
        $project = Join-Path $TestDrive 'shared-project'
        $work = Join-Path $TestDrive 'writers'
        $null = New-Item -ItemType Directory -Path $project, $work
        $textFile = Join-Path $TestDrive 'appended.txt'
        $null = New-Item -ItemType File -Path $textFile

        $environment = @{ FB_TEST_PROJECT = $project; FB_TEST_COUNT = $entriesPerWriter; FB_TEST_TEXT = $textFile }
        $writers = @()
        try {
            $writers = foreach ($n in 1..$writerCount) { Start-TestWorker -Name "writer_$n" -Work $work -Body $writerBody -Environment $environment }
            Wait-TestMark -Worker $writers -Mark ready
            Open-TestGate -Work $work -Gate ops-log
            $logSpans = @(foreach ($w in $writers) { Wait-TestResult -Worker $w -Name ops-log -Timeout ([TimeSpan]::FromMinutes(5)) })
            Open-TestGate -Work $work -Gate text-file
            $textSpans = @(foreach ($w in $writers) { Wait-TestResult -Worker $w -Name text-file -Timeout ([TimeSpan]::FromMinutes(5)) })
            Wait-TestWorkerExit -Worker $writers
        }
        finally {
            Stop-TestWorker $writers
        }

        $entries = @(Get-FastbandOpsLog -Project $project -Limit 0)
        $names = @($writers.Name)
    }

    It 'ran every writer to a clean exit' {
        foreach ($w in $writers) {
            $w.Process.ExitCode | Should -Be 0 -Because "writer $($w.Name) said: $(Get-TestWorkerError $w)"
        }
    }

    It 'kept exactly 1600 entries' {
        $entries.Count | Should -Be ($writerCount * $entriesPerWriter)
    }

    It 'gave every entry its own id' {
        @($entries.Id | Sort-Object -Unique).Count | Should -Be $entries.Count
    }

    It "kept each writer's sequence 0..199 complete, in order" {
        foreach ($w in $writers) {
            # Newest first, so reverse to the order in which the writer wrote.
            $mine = @($entries | Where-Object Agent -eq $w.Name)
            [array]::Reverse($mine)
            $sequence = @($mine | ForEach-Object { [int]$_.Metadata['seq'] })
            ($sequence -join ',') | Should -Be ((0..($entriesPerWriter - 1)) -join ',') -Because "writer $($w.Name) wrote seq 0..$($entriesPerWriter - 1) one after the other"
            @($mine | Where-Object { $_.Metadata['writer'] -ne $w.Name }).Count | Should -Be 0
        }
    }

    It 'never let a timestamp go backwards as ids go up' {
        $ascending = @($entries | Sort-Object Id)
        for ($i = 1; $i -lt $ascending.Count; $i++) {
            if ($ascending[$i].Timestamp -lt $ascending[$i - 1].Timestamp) {
                throw "Entry $($ascending[$i].Id) is older than entry $($ascending[$i - 1].Id)."
            }
        }
    }

    It 'had the writers overlap in time' {
        $latestStart = ($logSpans | ForEach-Object { [long]$_.Start } | Measure-Object -Maximum).Maximum
        $earliestEnd = ($logSpans | ForEach-Object { [long]$_.End } | Measure-Object -Minimum).Minimum
        $latestStart | Should -BeLessThan $earliestEnd -Because 'every writer started before any writer finished'

        # The log itself shows the interleaving: ordered by id, the writer changes far more often than 8 times.
        $ascending = @($entries | Sort-Object Id)
        $switches = 0
        for ($i = 1; $i -lt $ascending.Count; $i++) {
            if ($ascending[$i].Agent -ne $ascending[$i - 1].Agent) { $switches++ }
        }
        $switches | Should -BeGreaterThan ($writerCount * 2) -Because 'concurrent writers interleave their entries'
    }

    It 'lost and doubled no write, by the same check that the control fails' {
        $writes = @($entries | ForEach-Object { [pscustomobject]@{ Writer = $_.Agent; Seq = $_.Metadata['seq'] } })
        $damage = @(Get-WriteDamage -Writes $writes -Writers $names -Count $entriesPerWriter)
        ($damage | ForEach-Object { $_.Missing.Count + $_.Doubled.Count } | Measure-Object -Sum).Sum | Should -Be 0
    }

    It 'control: read-modify-write appends to a plain file lose lines' {
        Test-AllSpansOverlap $textSpans | Should -BeTrue -Because 'the control writers raced too'
        $writes = @(Get-Content -LiteralPath $textFile | ForEach-Object {
                if ($_ -match '^(writer_\d+) (\d+)$') { [pscustomobject]@{ Writer = $Matches[1]; Seq = [int]$Matches[2] } }
            })
        $damage = @(Get-WriteDamage -Writes $writes -Writers $names -Count $entriesPerWriter)
        $lost = ($damage | ForEach-Object { $_.Missing.Count } | Measure-Object -Sum).Sum
        $lost | Should -BeGreaterThan 0 -Because "$($writerCount * $entriesPerWriter) lines were appended without protection; the file kept $($writes.Count)"
    }
}
