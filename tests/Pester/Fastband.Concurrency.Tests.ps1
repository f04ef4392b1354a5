#Requires -Version 7.4
# Pester 5: several pwsh processes write to one project's ops log at the same time.
#
# 8 processes start at once (`pwsh -NoProfile -Command ...`), each imports the module and writes 200 entries
# under its own -Agent with a sequence number in -Metadata. Each writer records when it started and ended
# writing. The test then checks that nothing was lost or duplicated and that the writers really overlapped.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $manifest = Get-FastbandTestManifest
    $savedEnvironment = Clear-FastbandEnvironment

    # The pwsh running these tests, else the one on PATH.
    $pwsh = [Environment]::ProcessPath
    if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
        $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    }

    $writerCount = 8
    $entriesPerWriter = 200

    # What each writer process runs. Its parameters come through the environment, so that no path needs quoting.
    # It waits for a start gate so that all writers begin together, after the slow part (pwsh start-up and
    # Import-Module) is over, and records its start and end times (UTC ticks) in its own file.
    $writerCommand = @'
$ErrorActionPreference = 'Stop'
try {
    Import-Module $env:FB_TEST_MANIFEST
    $null = New-Item -ItemType File -Path $env:FB_TEST_READY -Force
    $deadline = [DateTime]::UtcNow.AddMinutes(2)
    while (-not (Test-Path -LiteralPath $env:FB_TEST_GATE)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'the start gate never opened' }
        Start-Sleep -Milliseconds 10
    }
    $count = [int]$env:FB_TEST_COUNT
    $start = [DateTime]::UtcNow.Ticks
    for ($i = 0; $i -lt $count; $i++) {
        $null = Write-FastbandOpsLog -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_AGENT -EventType status_update `
            -Message "write $i" -Metadata @{ seq = $i; writer = $env:FB_TEST_AGENT }
    }
    $end = [DateTime]::UtcNow.Ticks
    Set-Content -LiteralPath $env:FB_TEST_TIMES -Value "$start`n$end"
    exit 0
}
catch {
    [Console]::Error.WriteLine("writer $($env:FB_TEST_AGENT) failed: $_")
    exit 1
}
'@
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Concurrent writers' {
    BeforeAll {
        $project = Join-Path $TestDrive 'shared-project'
        $work = Join-Path $TestDrive 'writers'
        $null = New-Item -ItemType Directory -Path $project, $work
        $gate = Join-Path $work 'go'

        $writers = foreach ($n in 1..$writerCount) {
            $agent = "writer_$n"
            $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $writerCommand) { $info.ArgumentList.Add($argument) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.Environment['FB_TEST_MANIFEST'] = $manifest
            $info.Environment['FB_TEST_PROJECT'] = $project
            $info.Environment['FB_TEST_AGENT'] = $agent
            $info.Environment['FB_TEST_COUNT'] = "$entriesPerWriter"
            $info.Environment['FB_TEST_READY'] = Join-Path $work "$agent.ready"
            $info.Environment['FB_TEST_GATE'] = $gate
            $info.Environment['FB_TEST_TIMES'] = Join-Path $work "$agent.times"
            $process = [System.Diagnostics.Process]::Start($info)
            [pscustomobject]@{
                Agent   = $agent
                Process = $process
                # Read both pipes from the start, so that a chatty writer cannot block on a full pipe.
                Stdout  = $process.StandardOutput.ReadToEndAsync()
                Stderr  = $process.StandardError.ReadToEndAsync()
                Times   = Join-Path $work "$agent.times"
            }
        }

        try {
            # Open the gate once every writer has started and imported the module.
            $deadline = [DateTime]::UtcNow.AddMinutes(2)
            while (@(Get-ChildItem -LiteralPath $work -Filter '*.ready').Count -lt $writerCount) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'Not every writer process got ready within 2 minutes.' }
                if (@($writers | Where-Object { $_.Process.HasExited }).Count -gt 0) { break } # a writer died: report it below
                Start-Sleep -Milliseconds 50
            }
            $null = New-Item -ItemType File -Path $gate

            foreach ($w in $writers) {
                if (-not $w.Process.WaitForExit(300000)) {
                    $w.Process.Kill()   # only ever a process this test started
                    throw "Writer $($w.Agent) did not finish within 5 minutes."
                }
                $w.Process.WaitForExit()   # lets the redirected streams drain
            }
        }
        finally {
            foreach ($w in $writers) {
                if (-not $w.Process.HasExited) { $w.Process.Kill() }
            }
        }

        $entries = @(Get-FastbandOpsLog -Project $project -Limit 0)
    }

    It 'ran every writer to a clean exit' {
        foreach ($w in $writers) {
            $w.Process.ExitCode | Should -Be 0 -Because "writer $($w.Agent) said: $($w.Stderr.Result) $($w.Stdout.Result)"
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
            $mine = @($entries | Where-Object Agent -eq $w.Agent)
            [array]::Reverse($mine)
            $sequence = @($mine | ForEach-Object { [int]$_.Metadata['seq'] })
            ($sequence -join ',') | Should -Be ((0..($entriesPerWriter - 1)) -join ',') -Because "writer $($w.Agent) wrote seq 0..$($entriesPerWriter - 1) one after the other"
            @($mine | Where-Object { $_.Metadata['writer'] -ne $w.Agent }).Count | Should -Be 0
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
        $spans = foreach ($w in $writers) {
            $ticks = @(Get-Content -LiteralPath $w.Times)
            [pscustomobject]@{ Agent = $w.Agent; Start = [long]$ticks[0]; End = [long]$ticks[1] }
        }
        $latestStart = ($spans | Measure-Object -Property Start -Maximum).Maximum
        $earliestEnd = ($spans | Measure-Object -Property End -Minimum).Minimum
        $latestStart | Should -BeLessThan $earliestEnd -Because 'every writer started before any writer finished'

        # The log itself shows the interleaving: ordered by id, the writer changes far more often than 8 times.
        $ascending = @($entries | Sort-Object Id)
        $switches = 0
        for ($i = 1; $i -lt $ascending.Count; $i++) {
            if ($ascending[$i].Agent -ne $ascending[$i - 1].Agent) { $switches++ }
        }
        $switches | Should -BeGreaterThan ($writerCount * 2) -Because 'concurrent writers interleave their entries'
    }
}
