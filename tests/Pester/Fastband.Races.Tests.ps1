#Requires -Version 7.4
# Pester 5: races between real pwsh processes, each beside a negative control that runs the same race without
# the protection and shows that the test's check catches the bug.
#
# - 16 processes claim one issue with Lock-FastbandIssue, in rounds (a new issue each) until a round had all
#   16 claims overlapping: one winner per round, the others refused with Fastband.IssueUnavailable. Control:
#   check-then-set on an owner file.
# - 4 processes run Enter-FastbandLock -Wait -ScriptBlock on one path: the sections never overlap, all run, and
#   the fencing tokens rise in grant order. Control: the same sections without the lock overlap.
# - A holder killed with SIGKILL: a waiter in another process gets the lock after the death with a higher token,
#   and the old token stops validating. Control: an -Untied lease of a killed process is not handed over.
# - A hold posted while agents wait in Wait-FastbandClearance behind a rebuild: the rebuild completes, and nobody
#   proceeds until the hold is lifted. Control: a waiter that checked once and waits only for the rebuild goes
#   ahead during the hold.
#
# Workers start together behind a gate (after pwsh start-up and Import-Module), record UTC ticks around what
# they race on, and the tests check that they really overlapped. The helpers are in TestSetup.ps1. Every process
# started here is killed in a finally; every wait has a deadline of minutes and says what it waited for.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    # Helpers for the verdicts. The same function judges the protected race and its control.
    function Get-WinnerCount([object[]] $Attempts) { @($Attempts | Where-Object Won).Count }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Lock-FastbandIssue raced by 16 processes' {
    BeforeAll {
        $project = Join-Path $TestDrive 'claims'
        $work = Join-Path $TestDrive 'claim-workers'
        $owners = Join-Path $TestDrive 'owners'
        $null = New-Item -ItemType Directory -Path $project, $work, $owners
        $workerCount = 16
        # On two loaded cores 16 processes cannot all be running at once, and a claim takes only some tens of
        # milliseconds, so a round may see a late starter begin after the winner ended. Rounds go on (a new
        # issue each) until $overlappedWanted of them had all 16 claims overlapping, or $maxRounds have run.
        $overlappedWanted = 1
        $maxRounds = 12
        $controlRounds = 3
        foreach ($round in 1..$maxRounds) {
            $null = New-FastbandIssue -Project $project -Agent setup -Title "race round $round"
        }

        # Each round: every worker waits at the round's gate, then claims that round's issue. The control rounds
        # that follow race the same way on a plain owner file: check that nobody owns it, wait a little (the race
        # window, made wide), then write the owner.
        $body = @'
    $project = $env:FB_TEST_PROJECT
    $me = $env:FB_TEST_WORKER
    $null = Get-FastbandIssue -Project $project -Id issue_001   # warm up: the store's code is loaded before the race
    Set-TestMark ready
    foreach ($round in 1..[int]$env:FB_TEST_MAX_ROUNDS) {
        if ((Wait-TestGate "claim-$round", 'controls') -eq 'controls') { break }
        $start = [DateTime]::UtcNow.Ticks
        try {
            $claimed = Lock-FastbandIssue -Project $project -Agent $me -Id ('issue_{0:d3}' -f $round) -ErrorAction Stop
            $outcome = @{ Won = $true; ClaimToken = $claimed.ClaimToken; ErrorId = $null }
        }
        catch {
            $outcome = @{ Won = $false; ClaimToken = $null; ErrorId = $_.FullyQualifiedErrorId }
        }
        $end = [DateTime]::UtcNow.Ticks
        Write-TestResult "claim-$round" ($outcome + @{ Worker = $me; Start = $start; End = $end })
    }
    foreach ($round in 1..[int]$env:FB_TEST_CONTROL_ROUNDS) {
        $owner = Join-Path $env:FB_TEST_OWNERS "owner-$round.txt"
        $null = Wait-TestGate "control-$round"
        $start = [DateTime]::UtcNow.Ticks
        $won = $false
        if (-not (Test-Path -LiteralPath $owner)) {
            Start-Sleep -Milliseconds 300
            Set-Content -LiteralPath $owner -Value $me
            $won = $true
        }
        $end = [DateTime]::UtcNow.Ticks
        Write-TestResult "control-$round" @{ Worker = $me; Won = $won; Start = $start; End = $end }
    }
'@
        $environment = @{ FB_TEST_PROJECT = $project; FB_TEST_MAX_ROUNDS = $maxRounds; FB_TEST_CONTROL_ROUNDS = $controlRounds; FB_TEST_OWNERS = $owners }
        $workers = @()
        $claims = @{}     # round -> its attempts
        $controls = @{}
        try {
            $workers = foreach ($n in 1..$workerCount) { Start-TestWorker -Name "claimer_$n" -Work $work -Body $body -Environment $environment }
            Wait-TestMark -Worker $workers -Mark ready
            foreach ($round in 1..$maxRounds) {
                Open-TestGate -Work $work -Gate "claim-$round"
                $claims[$round] = @(foreach ($w in $workers) { Wait-TestResult -Worker $w -Name "claim-$round" })
                if (@($claims.Values | Where-Object { Test-AllSpansOverlap $_ }).Count -ge $overlappedWanted) { break }
            }
            if ($claims.Count -lt $maxRounds) { Open-TestGate -Work $work -Gate controls }
            foreach ($round in 1..$controlRounds) {
                Open-TestGate -Work $work -Gate "control-$round"
                $controls[$round] = @(foreach ($w in $workers) { Wait-TestResult -Worker $w -Name "control-$round" })
            }
            Wait-TestWorkerExit -Worker $workers
        }
        finally {
            Stop-TestWorker $workers
        }
    }

    It 'ran every worker to a clean exit' {
        foreach ($w in $workers) {
            $w.Process.ExitCode | Should -Be 0 -Because "worker $($w.Name) said: $(Get-TestWorkerError $w)"
        }
    }

    It 'had all 16 claims overlap in time in at least one round' {
        $overlapped = @($claims.Keys | Sort-Object | Where-Object { Test-AllSpansOverlap $claims[$_] })
        $overlapped.Count | Should -BeGreaterOrEqual $overlappedWanted -Because "in those rounds every claim started before any claim ended ($($claims.Count) rounds ran, these overlapped: $($overlapped -join ', '))"
    }

    It 'let exactly one claim win each round, and stored that winner with its claim token' {
        $lastToken = 0
        foreach ($round in ($claims.Keys | Sort-Object)) {
            Get-WinnerCount $claims[$round] | Should -Be 1 -Because "round $round had one issue to claim"
            $winner = @($claims[$round] | Where-Object Won)[0]
            $stored = Get-FastbandIssue -Project $project -Id ('issue_{0:d3}' -f $round)
            $stored.AssignedTo | Should -BeExactly $winner.Worker
            $stored.ClaimToken | Should -Be $winner.ClaimToken
            # Claim tokens come from one counter for the project: one claim per round, so each round's is the next.
            $winner.ClaimToken | Should -Be ($lastToken + 1) -Because 'the losers of earlier rounds took no token'
            $lastToken = $winner.ClaimToken
        }
    }

    It 'refused every other claim as Fastband.IssueUnavailable' {
        foreach ($round in ($claims.Keys | Sort-Object)) {
            $losers = @($claims[$round] | Where-Object { -not $_.Won })
            $losers.Count | Should -Be ($workerCount - 1)
            foreach ($loser in $losers) { $loser.ErrorId | Should -BeLike 'Fastband.IssueUnavailable,*' -Because "$($loser.Worker) lost round $round" }
        }
    }

    It 'control: check-then-set on an owner file lets more than one process win' {
        foreach ($round in ($controls.Keys | Sort-Object)) {
            Get-WinnerCount $controls[$round] | Should -BeGreaterThan 1 -Because "the unprotected race of round $round has a 300 ms window between check and set"
        }
    }
}

Describe 'Enter-FastbandLock -Wait -ScriptBlock raced by 4 processes' {
    BeforeAll {
        $project = Join-Path $TestDrive 'sections'
        $work = Join-Path $TestDrive 'section-workers'
        $null = New-Item -ItemType Directory -Path $project, $work
        Initialize-TestStore $project
        $workerCount = 4

        # First every worker runs its section under the lock (queued up to 2 minutes), then, at a second gate,
        # the same section without it. A section records when it was entered and left, and under the lock the
        # fencing token of its lease.
        $body = @'
    $project = $env:FB_TEST_PROJECT
    $me = $env:FB_TEST_WORKER
    $null = Get-FastbandLock -Project $project   # warm up: the store's code is loaded before the race
    Set-TestMark ready

    $null = Wait-TestGate locked
    $call = [DateTime]::UtcNow.Ticks
    $section = Enter-FastbandLock -Project $project -Agent $me -Path $env:FB_TEST_RESOURCE -Wait '2m' -ScriptBlock {
        $enter = [DateTime]::UtcNow.Ticks
        $token = @(Get-FastbandLock -Project $project -Agent $me)[0].FencingToken
        Start-Sleep -Milliseconds 750
        @{ Enter = $enter; Token = $token; Exit = [DateTime]::UtcNow.Ticks }
    }
    Write-TestResult locked @{ Worker = $me; Call = $call; Start = $section.Enter; End = $section.Exit; Token = $section.Token }

    $null = Wait-TestGate unlocked
    $call = [DateTime]::UtcNow.Ticks
    $enter = [DateTime]::UtcNow.Ticks
    Start-Sleep -Milliseconds 750
    Write-TestResult unlocked @{ Worker = $me; Call = $call; Start = $enter; End = [DateTime]::UtcNow.Ticks }
'@
        $environment = @{ FB_TEST_PROJECT = $project; FB_TEST_RESOURCE = 'src/shared.txt' }
        $workers = @()
        try {
            $workers = foreach ($n in 1..$workerCount) { Start-TestWorker -Name "locker_$n" -Work $work -Body $body -Environment $environment }
            Wait-TestMark -Worker $workers -Mark ready
            Open-TestGate -Work $work -Gate locked
            $locked = @(foreach ($w in $workers) { Wait-TestResult -Worker $w -Name locked })
            Open-TestGate -Work $work -Gate unlocked
            $unlocked = @(foreach ($w in $workers) { Wait-TestResult -Worker $w -Name unlocked })
            Wait-TestWorkerExit -Worker $workers
        }
        finally {
            Stop-TestWorker $workers
        }
    }

    It 'ran every worker to a clean exit, each section once' {
        foreach ($w in $workers) {
            $w.Process.ExitCode | Should -Be 0 -Because "worker $($w.Name) said: $(Get-TestWorkerError $w)"
        }
        (@($locked.Worker | Sort-Object -Unique) -join ',') | Should -Be ((1..$workerCount | ForEach-Object { "locker_$_" }) -join ',')
    }

    It 'had every worker asking for the lock before the first section ended' {
        # Each worker's wait spans from its call to its exit; all of them overlap the first section.
        $waits = @($locked | ForEach-Object { [pscustomobject]@{ Start = $_.Call; End = $_.End } })
        Test-AllSpansOverlap $waits | Should -BeTrue -Because 'all 4 asked before any section ended'
    }

    It 'never let two sections overlap' {
        @(Find-OverlappingSpan $locked).Count | Should -Be 0
    }

    It 'gave strictly increasing fencing tokens in grant order' {
        $tokens = @($locked | Sort-Object { [long]$_.Start } | ForEach-Object { [long]$_.Token })
        $tokens.Count | Should -Be $workerCount
        for ($i = 1; $i -lt $tokens.Count; $i++) {
            $tokens[$i] | Should -BeGreaterThan $tokens[$i - 1] -Because "the section granted after token $($tokens[$i - 1]) got a newer one ($($tokens -join ', '))"
        }
        @(Get-FastbandLock -Project $project).Count | Should -Be 0 -Because 'every section released its lease'
    }

    It 'control: the same sections without the lock overlap' {
        Test-AllSpansOverlap $unlocked | Should -BeTrue
        @(Find-OverlappingSpan $unlocked).Count | Should -BeGreaterThan 0 -Because 'nothing kept the unprotected sections apart'
    }
}

Describe 'A lock holder killed with SIGKILL while another process waits' {
    BeforeAll {
        $holderBody = @'
    $h = Enter-FastbandLock -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER -Path $env:FB_TEST_RESOURCE -Ttl '1h' -Untied:($env:FB_TEST_UNTIED -eq '1')
    Write-TestResult held @{ LeaseId = $h.LeaseId; FencingToken = $h.FencingToken }
    Start-Sleep -Seconds 600
'@
        $waiterBody = @'
    $start = [DateTime]::UtcNow.Ticks
    try {
        $h = Enter-FastbandLock -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER -Path $env:FB_TEST_RESOURCE -Wait $env:FB_TEST_WAIT -ErrorAction Stop
        $result = @{ Granted = $true; LeaseId = $h.LeaseId; FencingToken = $h.FencingToken; ErrorId = $null }
    }
    catch {
        $result = @{ Granted = $false; LeaseId = $null; FencingToken = $null; ErrorId = $_.FullyQualifiedErrorId }
    }
    Write-TestResult answer ($result + @{ Start = $start; At = [DateTime]::UtcNow.Ticks })
    if ($result.Granted) { $null = Exit-FastbandLock -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER -Handle $h }
'@
        # Two races side by side: a lease tied to its pwsh process, and the control, an -Untied one.
        $tied = Join-Path $TestDrive 'tied'
        $untied = Join-Path $TestDrive 'untied'
        $work = Join-Path $TestDrive 'kill-workers'
        $null = New-Item -ItemType Directory -Path $tied, $untied, $work
        $resource = 'src/a.txt'
        $workers = @()
        try {
            $tiedHolder = Start-TestWorker -Name tied_holder -Work $work -Body $holderBody -Environment @{ FB_TEST_PROJECT = $tied; FB_TEST_RESOURCE = $resource; FB_TEST_UNTIED = '0' }
            $untiedHolder = Start-TestWorker -Name untied_holder -Work $work -Body $holderBody -Environment @{ FB_TEST_PROJECT = $untied; FB_TEST_RESOURCE = $resource; FB_TEST_UNTIED = '1' }
            $workers = @($tiedHolder, $untiedHolder)
            $tiedLease = Wait-TestResult -Worker $tiedHolder -Name held
            $untiedLease = Wait-TestResult -Worker $untiedHolder -Name held

            # The waiters queue behind the live holders: the tied one for up to 3 minutes, the control for 20 s.
            $tiedWaiter = Start-TestWorker -Name tied_waiter -Work $work -Body $waiterBody -Environment @{ FB_TEST_PROJECT = $tied; FB_TEST_RESOURCE = $resource; FB_TEST_WAIT = '3m' }
            $untiedWaiter = Start-TestWorker -Name untied_waiter -Work $work -Body $waiterBody -Environment @{ FB_TEST_PROJECT = $untied; FB_TEST_RESOURCE = $resource; FB_TEST_WAIT = '20s' }
            $workers += $tiedWaiter, $untiedWaiter
            $deadline = [DateTime]::UtcNow.AddMinutes(3)
            foreach ($pair in @(@($tied, 'tied_waiter'), @($untied, 'untied_waiter'))) {
                while (@(Get-FastbandLock -Project $pair[0] -Waiting | Where-Object Agent -eq $pair[1]).Count -eq 0) {
                    foreach ($w in $tiedWaiter, $untiedWaiter) {
                        if ($w.Process.HasExited) { throw "Waiter $($w.Name) exited before it queued: $(Get-TestWorkerError $w)" }
                    }
                    if ([DateTime]::UtcNow -gt $deadline) { throw "$($pair[1]) did not show in the lock queue within 3 minutes." }
                    Start-Sleep -Milliseconds 100
                }
            }
            Start-Sleep -Seconds 1   # a few more polls by the waiters against the live holders

            # Just before the kill: both waiters still wait, and both holders' leases stand.
            $beforeKill = [pscustomobject]@{
                TiedAnswer   = Get-TestResult -Worker $tiedWaiter -Name answer
                UntiedAnswer = Get-TestResult -Worker $untiedWaiter -Name answer
                TiedLeases   = @(Get-FastbandLock -Project $tied).LeaseId
                UntiedLeases = @(Get-FastbandLock -Project $untied).LeaseId
            }
            $killedAt = [DateTime]::UtcNow.Ticks
            Stop-Process -Id $tiedHolder.Process.Id, $untiedHolder.Process.Id -Force   # SIGKILL on Linux
            $null = $tiedHolder.Process.WaitForExit(30000)
            $null = $untiedHolder.Process.WaitForExit(30000)

            $tiedAnswer = Wait-TestResult -Worker $tiedWaiter -Name answer -Timeout ([TimeSpan]::FromMinutes(2))
            $oldToken = Test-FastbandLockToken -Project $tied -LeaseId $tiedLease.LeaseId -FencingToken $tiedLease.FencingToken
            $untiedAnswer = Wait-TestResult -Worker $untiedWaiter -Name answer -Timeout ([TimeSpan]::FromMinutes(2))
            $untiedLeasesAfter = @(Get-FastbandLock -Project $untied).LeaseId
            Wait-TestWorkerExit -Worker $tiedWaiter, $untiedWaiter
        }
        finally {
            Stop-TestWorker $workers
        }
    }

    It 'had the waiter queued, not granted, while the holder lived' {
        $beforeKill.TiedAnswer | Should -BeNullOrEmpty -Because 'the waiter had no answer before the kill'
        ($beforeKill.TiedLeases -join ',') | Should -Be $tiedLease.LeaseId
        [long]$tiedAnswer.Start | Should -BeLessThan $killedAt
    }

    It 'handed the lock to the waiter after the death, with a higher fencing token' {
        $tiedAnswer.Granted | Should -BeTrue -Because "the waiter said: $($tiedAnswer.ErrorId) $(Get-TestWorkerError $tiedWaiter)"
        [long]$tiedAnswer.At | Should -BeGreaterThan $killedAt
        [TimeSpan]::FromTicks([long]$tiedAnswer.At - $killedAt).TotalSeconds | Should -BeLessThan 60 -Because 'the dead holder is noticed while waiting, long before the 3-minute wait or the 1-hour TTL ends'
        [long]$tiedAnswer.FencingToken | Should -BeGreaterThan ([long]$tiedLease.FencingToken)
        $tiedWaiter.Process.ExitCode | Should -Be 0
    }

    It "stopped validating the killed holder's token" {
        $oldToken.Valid | Should -BeFalse
    }

    It 'control: an -Untied lease of a killed process is not handed over' {
        $beforeKill.UntiedAnswer | Should -BeNullOrEmpty
        $untiedAnswer.Granted | Should -BeFalse
        $untiedAnswer.ErrorId | Should -BeLike 'Fastband.LockRefused,*'
        [TimeSpan]::FromTicks([long]$untiedAnswer.At - $killedAt).TotalSeconds | Should -BeGreaterThan 3 -Because 'the control went on waiting well after the death'
        ($untiedLeasesAfter -join ',') | Should -Be $untiedLease.LeaseId -Because 'only its TTL ends a lease not tied to a process'
    }
}

Describe 'A hold posted while agents wait in Wait-FastbandClearance' {
    BeforeAll {
        $project = Join-Path $TestDrive 'clearance'
        $work = Join-Path $TestDrive 'clearance-workers'
        $null = New-Item -ItemType Directory -Path $project, $work
        $null = Start-FastbandRebuild -Project $project -Agent builder -Container webapp

        $waiterBody = @'
    $null = Test-FastbandCoordination -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER   # warm up
    Set-TestMark ready
    $null = Wait-TestGate wait
    $start = [DateTime]::UtcNow.Ticks
    Set-TestMark waiting
    $answer = Wait-FastbandClearance -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER -Timeout '3m' -PollInterval '100ms'
    Write-TestResult proceeded @{ Start = $start; At = [DateTime]::UtcNow.Ticks; Allowed = $answer.Allowed; Reason = $answer.Reason }
'@
        # The control: one look with Test-FastbandCoordination, then it waits only for what it saw then (the rebuild).
        $naiveBody = @'
    $null = Test-FastbandCoordination -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER   # warm up
    Set-TestMark ready
    $null = Wait-TestGate wait
    $start = [DateTime]::UtcNow.Ticks
    $first = Test-FastbandCoordination -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_WORKER
    Set-TestMark waiting
    $containers = @($first.BlockingRebuilds.Container)
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while (@(Get-FastbandRebuild -Project $env:FB_TEST_PROJECT | Where-Object { $_.InProgress -and $_.Container -in $containers }).Count -gt 0) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'the rebuild never completed' }
        Start-Sleep -Milliseconds 100
    }
    Write-TestResult proceeded @{ Start = $start; At = [DateTime]::UtcNow.Ticks; Allowed = $true; FirstAllowed = $first.Allowed; FirstReason = $first.Reason }
'@
        $environment = @{ FB_TEST_PROJECT = $project }
        $workers = @()
        try {
            $waiters = @(foreach ($n in 1..3) { Start-TestWorker -Name "waiter_$n" -Work $work -Body $waiterBody -Environment $environment })
            $naive = Start-TestWorker -Name naive -Work $work -Body $naiveBody -Environment $environment
            $workers = $waiters + $naive
            Wait-TestMark -Worker $workers -Mark ready
            Open-TestGate -Work $work -Gate wait
            Wait-TestMark -Worker $workers -Mark waiting
            Start-Sleep -Seconds 1   # a few polls behind the rebuild alone

            $hold = Set-FastbandHold -Project $project -Agent ops -Reason 'database migration'
            $holdPosted = [DateTime]::UtcNow.Ticks     # the hold stands from here at the latest...
            Start-Sleep -Milliseconds 500
            $null = Complete-FastbandRebuild -Project $project -Agent builder -Container webapp
            $naiveResult = Wait-TestResult -Worker $naive -Name proceeded -Timeout ([TimeSpan]::FromMinutes(2))
            Start-Sleep -Seconds 2                     # some 20 polls by the waiters with only the hold in the way
            $early = @($waiters | ForEach-Object { Get-TestResult -Worker $_ -Name proceeded } | Where-Object { $_ })
            $liftFrom = [DateTime]::UtcNow.Ticks      # ...until here at the earliest
            $lift = Remove-FastbandHold -Project $project -Agent ops -Reason 'migration done' -Confirm:$false
            $results = @(foreach ($w in $waiters) { Wait-TestResult -Worker $w -Name proceeded -Timeout ([TimeSpan]::FromMinutes(2)) })
            Wait-TestWorkerExit -Worker $workers
        }
        finally {
            Stop-TestWorker $workers
        }

        # The verdict for one waiter: did it go ahead while the hold stood?
        function Test-ProceededDuringHold($Result) { [long]$Result.At -gt $holdPosted -and [long]$Result.At -lt $liftFrom }
    }

    It 'ran every waiter to a clean exit' {
        foreach ($w in $workers) {
            $w.Process.ExitCode | Should -Be 0 -Because "worker $($w.Name) said: $(Get-TestWorkerError $w)"
        }
    }

    It 'had every waiter waiting before the hold and until after the lift' {
        foreach ($r in $results) {
            [long]$r.Start | Should -BeLessThan $holdPosted
            [long]$r.At | Should -BeGreaterThan $liftFrom
        }
    }

    It 'let nobody through while the hold stood, though the rebuild had completed' {
        $early.Count | Should -Be 0 -Because 'no waiter may proceed before the hold is lifted'
        foreach ($r in $results) { Test-ProceededDuringHold $r | Should -BeFalse }
    }

    It 'let every waiter through once the hold was lifted' {
        $lift.Kind | Should -Be 'lift'
        foreach ($r in $results) {
            $r.Allowed | Should -BeTrue -Because $r.Reason
        }
    }

    It 'control: a waiter that looked once and waited only for the rebuild went ahead during the hold' {
        $naiveResult.FirstAllowed | Should -BeFalse
        $naiveResult.FirstReason | Should -BeLike '*webapp is being rebuilt by builder*'
        Test-ProceededDuringHold $naiveResult | Should -BeTrue -Because 'it looked before the hold and not again'
    }
}
