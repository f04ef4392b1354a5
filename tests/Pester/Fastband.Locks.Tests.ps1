#Requires -Version 7.4
# Pester 5 tests for the lock cmdlets: Enter-FastbandLock (handles, -ScriptBlock, waiting, shared locks, auto-renewal),
# Exit-FastbandLock, Get-FastbandLock, Update-FastbandLock, Revoke-FastbandLock (breaks and fencing tokens),
# Get-FastbandLockConflict, Test-FastbandLockToken, Clear-FastbandLock and Request-FastbandLockHandoff; a holder process
# that is killed, first come first served among waiters, holds, and piping leases into Exit-FastbandLock.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so neither
# the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it. (On Get-FastbandLock,
# -Agent filters by holder, so it is given only where a test wants that filter.) Every duration is quoted: an
# unquoted 30s would not parse, and an unquoted 2d would be read as a number.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Locks.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    # The manifest that Import-FastbandTestModule imported, for background jobs and child processes to import.
    $moduleManifest = Get-FastbandTestManifest

    # The pwsh running these tests, else the one on PATH (for the holder process that gets killed).
    $pwsh = [Environment]::ProcessPath
    if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
        $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    }

    function Stop-BackgroundJob {
        param($Job)
        if ($null -eq $Job) { return }
        $Job | Stop-Job -ErrorAction SilentlyContinue
        $Job | Remove-Job -Force -ErrorAction SilentlyContinue
    }

    # Polls $Condition every 100 ms until it returns something true, or throws after the timeout.
    function Wait-Until {
        param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 30, [string] $Because = 'the condition')
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -ge $deadline) { throw "Timed out after $TimeoutSeconds s waiting for $Because." }
            Start-Sleep -Milliseconds 100
        }
    }

    # Releases whatever handles a test still holds (each is harmless to release twice).
    function Exit-Handles {
        param([object[]] $Handles)
        foreach ($h in $Handles) {
            if ($null -ne $h -and -not $h.IsReleased) { $h.Dispose() }
        }
    }

    # Starts a separate pwsh process that takes an exclusive lock on $Resource as $Agent (tied to that process, TTL
    # 1 h), prints "held LEASE TOKEN" and sleeps. Parameters go through the environment, so no path needs quoting.
    function Start-LockHolder {
        param([Parameter(Mandatory)] [string] $Project, [Parameter(Mandatory)] [string] $Agent, [string] $Resource = 'src/a.txt')
        $command = @'
$ErrorActionPreference = 'Stop'
try {
    Import-Module $env:FB_TEST_MANIFEST
    $h = Enter-FastbandLock -Project $env:FB_TEST_PROJECT -Agent $env:FB_TEST_AGENT -Path $env:FB_TEST_RESOURCE -Ttl '1h'
    [Console]::Out.WriteLine("held $($h.LeaseId) $($h.FencingToken)")
    [Console]::Out.Flush()
    Start-Sleep -Seconds 600
}
catch {
    [Console]::Error.WriteLine("holder failed: $_")
    exit 1
}
'@
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $command) { $info.ArgumentList.Add($argument) }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['FB_TEST_MANIFEST'] = $moduleManifest
        $info.Environment['FB_TEST_PROJECT'] = $Project
        $info.Environment['FB_TEST_AGENT'] = $Agent
        $info.Environment['FB_TEST_RESOURCE'] = $Resource
        $process = [System.Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $line = $process.StandardOutput.ReadLineAsync()
        if (-not $line.Wait([TimeSpan]::FromSeconds(120)) -or $line.Result -notmatch '^held (\S+) (\d+)$') {
            if (-not $process.HasExited) { $process.Kill() }   # only ever the process this function started
            $process.WaitForExit()
            throw "The holder process did not take the lock (said '$($line.Result)'): $($stderr.Result)"
        }
        [pscustomobject]@{ Process = $process; LeaseId = $Matches[1]; FencingToken = [long]$Matches[2] }
    }

    function Stop-LockHolder {
        param($Holder)
        if ($null -eq $Holder) { return }
        if (-not $Holder.Process.HasExited) { Stop-Process -Id $Holder.Process.Id -Force -ErrorAction SilentlyContinue }
        $null = $Holder.Process.WaitForExit(30000)   # reaps it: a killed child stays a zombie until its parent waits
        $Holder.Process.Dispose()
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Enter-FastbandLock and Exit-FastbandLock' {
    It 'returns a handle tied to this pwsh process and releases it with Exit-FastbandLock in a finally block' {
        $p = New-TestProject
        $before = [DateTimeOffset]::UtcNow
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '10m' -Reason 'editing a'
        try {
            $h | Should -BeOfType 'Fastband.Core.Locks.LockHandle'
            $h.LeaseId | Should -Match '^lease-[0-9a-f]+$'
            $h.FencingToken | Should -BeGreaterThan 0
            ($h.Resources -join ',') | Should -Be 'src/a.txt'
            $h.IsReleased | Should -BeFalse
            $h.LostReason | Should -BeNullOrEmpty
            $h.ExpiresAt | Should -BeGreaterThan $before.AddMinutes(9)
            $h.ExpiresAt | Should -BeLessThan ([DateTimeOffset]::UtcNow.AddMinutes(11))

            $h.Lease | Should -BeOfType 'Fastband.Core.Locks.Lease'
            $h.Lease.LeaseId | Should -Be $h.LeaseId
            $h.Lease.Agent | Should -Be 'A'
            $h.Lease.Mode | Should -Be 'exclusive'
            $h.Lease.Reason | Should -Be 'editing a'
            $h.Lease.ProcessId | Should -Be $PID -Because 'a handle is tied to the pwsh process that holds it'

            $listed = @(Get-FastbandLock -Project $p -Agent A)
            $listed.Count | Should -Be 1
            $listed[0] | Should -BeOfType 'Fastband.Core.Locks.Lease'
            $listed[0].LeaseId | Should -Be $h.LeaseId
            $listed[0].FencingToken | Should -Be $h.FencingToken
        }
        finally {
            $released = Exit-FastbandLock -Project $p -Agent A -Handle $h
        }

        $released | Should -BeOfType 'Fastband.Core.Locks.ReleaseResult'
        $released.Released | Should -BeTrue
        ($released.Resources -join ',') | Should -Be 'src/a.txt'
        $h.IsReleased | Should -BeTrue
        @(Get-FastbandLock -Project $p).Count | Should -Be 0
    }

    It 'takes several paths all or nothing' {
        $p = New-TestProject
        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/b.txt'
        try {
            $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt', 'src/b.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $a | Should -BeNullOrEmpty
            $refused.Count | Should -Be 1
            @(Get-FastbandLock -Project $p -Agent A).Count | Should -Be 0 -Because 'A got neither path, not just the free one'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
        }
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt', 'src/b.txt'
        try {
            (($a.Resources | Sort-Object) -join ',') | Should -Be 'src/a.txt,src/b.txt'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }
    }

    It 'releases on Dispose(), and releasing twice is harmless' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        $h.Dispose()
        $h.IsReleased | Should -BeTrue
        @(Get-FastbandLock -Project $p).Count | Should -Be 0
        { $h.Dispose() } | Should -Not -Throw

        $again = Exit-FastbandLock -Project $p -Agent A -LeaseId $h.LeaseId
        $again.Released | Should -BeFalse -Because 'there was nothing left to release'
        $again.Message | Should -BeLike '*released*'
    }

    It 'leaves the lease untied with -Untied' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Untied
        try {
            $h.Lease.ProcessId | Should -BeNullOrEmpty -Because 'an untied lease lives until its TTL, whatever happens to this process'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $h
        }
    }

    It 'runs the -ScriptBlock while holding the lock, writes its output and releases afterwards' {
        $p = New-TestProject
        $output = @(Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -ScriptBlock {
                'inside'
                @(Get-FastbandLock -Project $p -Agent A).Count
                42
            })
        ($output -join ',') | Should -Be 'inside,1,42' -Because 'the block runs while A holds the lock, and its output is written'
        @(Get-FastbandLock -Project $p).Count | Should -Be 0

        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
        $b | Should -BeOfType 'Fastband.Core.Locks.LockHandle'
        $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
    }

    It 'releases the lock when the -ScriptBlock throws, and lets the error through' {
        $p = New-TestProject
        $thrown = $null
        try {
            $null = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -ErrorAction Stop -ScriptBlock {
                if (@(Get-FastbandLock -Project $p -Agent A).Count -ne 1) { throw 'the block ran without the lock' }
                throw 'boom inside the block'
            }
        }
        catch {
            $thrown = $_
        }
        $thrown | Should -Not -BeNullOrEmpty -Because 'the block threw'
        $thrown.Exception.ToString() | Should -BeLike '*boom inside the block*'
        @(Get-FastbandLock -Project $p).Count | Should -Be 0 -Because 'the lock is released however the block ends'

        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
        $b | Should -Not -BeNullOrEmpty -Because 'the next agent can take the lock at once'
        $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
    }

    It 'releases handles piped in' {
        $p = New-TestProject
        $h1 = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        $h2 = Enter-FastbandLock -Project $p -Agent A -Path 'src/b.txt'
        $results = @($h1, $h2 | Exit-FastbandLock -Project $p -Agent A)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.Released | Should -BeTrue }
        $h1.IsReleased | Should -BeTrue
        $h2.IsReleased | Should -BeTrue
        @(Get-FastbandLock -Project $p).Count | Should -Be 0
    }
}

Describe 'Conflicts between agents' {
    It 'refuses a second agent with Fastband.LockRefused (ResourceBusy) and the conflicts while the first holds' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        try {
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $b | Should -BeNullOrEmpty
            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
            $refused[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceBusy)
            $refused[0].Exception.Message | Should -BeLike '*src/a.txt*'

            $conflicts = @(Get-FastbandLockConflict -Project $p -Agent B -Path 'src/a.txt')
            $conflicts.Count | Should -Be 1
            $conflicts[0] | Should -BeOfType 'Fastband.Core.Locks.LockConflict'
            $conflicts[0].Agent | Should -Be 'A'
            $conflicts[0].LeaseId | Should -Be $a.LeaseId
            $conflicts[0].Requested | Should -Be 'src/a.txt'
            $conflicts[0].HeldResource | Should -Be 'src/a.txt'
            $conflicts[0].Mode | Should -Be 'exclusive'
            $conflicts[0].Queued | Should -BeFalse

            # A folder covers what is under it, and so does a glob; an unrelated path is free.
            @(Get-FastbandLockConflict -Project $p -Agent B -Path 'src').Count | Should -Be 1
            @(Get-FastbandLockConflict -Project $p -Agent B -Path 'src/**').Count | Should -Be 1
            @(Get-FastbandLockConflict -Project $p -Agent B -Path 'docs/readme.md').Count | Should -Be 0
            @(Get-FastbandLockConflict -Project $p -Agent A -Path 'src/a.txt').Count | Should -Be 0 -Because "an agent's own locks do not stand in its way"

            # The folder above is refused too.
            $null = Enter-FastbandLock -Project $p -Agent B -Path 'src' -ErrorAction SilentlyContinue -ErrorVariable folderRefused
            $folderRefused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }

        @(Get-FastbandLockConflict -Project $p -Agent B -Path 'src/a.txt').Count | Should -Be 0
        $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
        try {
            $b.FencingToken | Should -BeGreaterThan $a.FencingToken -Because 'fencing tokens only go up'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
        }
    }

    It 'throws Fastband.LockRefused with -ErrorAction Stop' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        try {
            $err = { Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -ErrorAction Stop } |
                Should -Throw -ErrorId 'Fastband.LockRefused*' -PassThru
            $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceBusy)
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }
    }

    It 'lets shared locks share, and refuses an exclusive one while they are held' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'docs/spec.md' -Shared
        $b = Enter-FastbandLock -Project $p -Agent B -Path 'docs/spec.md' -Shared -ErrorAction SilentlyContinue -ErrorVariable sharedRefused
        try {
            $sharedRefused.Count | Should -Be 0
            $b | Should -BeOfType 'Fastband.Core.Locks.LockHandle'
            $b.LeaseId | Should -Not -Be $a.LeaseId
            $a.Lease.Mode | Should -Be 'shared'
            $b.Lease.Mode | Should -Be 'shared'
            $held = @(Get-FastbandLock -Project $p)
            $held.Count | Should -Be 2
            (($held.Agent | Sort-Object) -join ',') | Should -Be 'A,B'

            @(Get-FastbandLockConflict -Project $p -Agent C -Path 'docs/spec.md' -Shared).Count | Should -Be 0
            @(Get-FastbandLockConflict -Project $p -Agent C -Path 'docs/spec.md').Count | Should -Be 2

            $c = Enter-FastbandLock -Project $p -Agent C -Path 'docs/spec.md' -ErrorAction SilentlyContinue -ErrorVariable exclusiveRefused
            $c | Should -BeNullOrEmpty
            $exclusiveRefused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
        }
        finally {
            Exit-Handles $a, $b
        }
        $c = Enter-FastbandLock -Project $p -Agent C -Path 'docs/spec.md'
        $c | Should -Not -BeNullOrEmpty
        $null = Exit-FastbandLock -Project $p -Agent C -Handle $c
    }

    It 'refuses a shared lock while an exclusive one is held' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'docs/spec.md'
        try {
            $null = Enter-FastbandLock -Project $p -Agent B -Path 'docs/spec.md' -Shared -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
            @(Get-FastbandLockConflict -Project $p -Agent B -Path 'docs/spec.md' -Shared).Count | Should -Be 1
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }
    }
}

Describe 'Waiting with -Wait' {
    It 'gets the lock as soon as the holder releases it' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        $b = $null
        $job = Start-BackgroundJob -ArgumentList $moduleManifest, $p, $a.LeaseId -ScriptBlock {
            param($Manifest, $Project, $LeaseId)
            Import-Module $Manifest
            Start-Sleep -Seconds 2
            Exit-FastbandLock -Project $Project -Agent A -LeaseId $LeaseId
        }
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -Wait '60s'
            $clock.Stop()

            $b | Should -BeOfType 'Fastband.Core.Locks.LockHandle'
            $b.FencingToken | Should -BeGreaterThan $a.FencingToken
            $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1 -Because 'A held the lock for about two seconds'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the wait ends when A releases, not at the timeout'

            $released = $job | Wait-Job -Timeout 30 | Receive-Job
            $released.Released | Should -BeTrue
            (@(Get-FastbandLock -Project $p).LeaseId -join ',') | Should -Be $b.LeaseId
        }
        finally {
            Stop-BackgroundJob $job
            Exit-Handles $a, $b
        }
    }

    It 'is refused after the wait runs out, and leaves no waiter behind' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -Wait '1s' -ErrorAction SilentlyContinue -ErrorVariable refused
            $clock.Stop()
            $b | Should -BeNullOrEmpty
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
            @(Get-FastbandLock -Project $p -Waiting).Count | Should -Be 0
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }
    }

    It 'serves 3 waiters first come, first served' {
        $p = New-TestProject
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        $waiter = {
            param($Manifest, $Project, $Agent)
            Import-Module $Manifest
            $h = Enter-FastbandLock -Project $Project -Agent $Agent -Path 'src/a.txt' -Wait '90s' -ErrorAction Stop
            try {
                [pscustomobject]@{ Agent = $Agent; FencingToken = $h.FencingToken; GrantedAt = [DateTime]::UtcNow.Ticks }
                Start-Sleep -Milliseconds 300
            }
            finally {
                $null = Exit-FastbandLock -Project $Project -Agent $Agent -Handle $h
            }
        }
        $jobs = @()
        try {
            # Start each waiter only once the one before it is in the queue, so the order of arrival is known.
            foreach ($n in 1..3) {
                $jobs += Start-BackgroundJob -ScriptBlock $waiter -ArgumentList $moduleManifest, $p, "W$n"
                Wait-Until -TimeoutSeconds 60 -Because "W$n to queue" -Condition {
                    @(Get-FastbandLock -Project $p -Waiting | Where-Object Agent -eq "W$n").Count -eq 1
                }
            }
            $queue = @(Get-FastbandLock -Project $p -Waiting)
            $queue.Count | Should -Be 3
            $queue[0] | Should -BeOfType 'Fastband.Core.Locks.LockWaiter'
            (($queue | Sort-Object QueueNumber).Agent -join ',') | Should -Be 'W1,W2,W3'

            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
            $grants = @($jobs | Wait-Job -Timeout 120 | Receive-Job)
            $grants.Count | Should -Be 3
            (($grants | Sort-Object FencingToken).Agent -join ',') | Should -Be 'W1,W2,W3' -Because 'the queue is first come, first served'
            (($grants | Sort-Object GrantedAt).Agent -join ',') | Should -Be 'W1,W2,W3'
            @(Get-FastbandLock -Project $p).Count | Should -Be 0
            @(Get-FastbandLock -Project $p -Waiting).Count | Should -Be 0
        }
        finally {
            foreach ($job in $jobs) { Stop-BackgroundJob $job }
            Exit-Handles $a
        }
    }
}

Describe 'Renewal' {
    It 'renews a lease with Update-FastbandLock, and reports a lost one as Fastband.LeaseLost' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '10m' -NoAutoRenew
        try {
            $renewed = Update-FastbandLock -Project $p -Agent A -LeaseId $h.LeaseId -Ttl '2h'
            $renewed | Should -BeOfType 'Fastband.Core.Locks.Lease'
            $renewed.LeaseId | Should -Be $h.LeaseId
            $renewed.FencingToken | Should -Be $h.FencingToken -Because 'renewing keeps the token'
            $renewed.ExpiresAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(119))
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $h
        }
        $lost = Update-FastbandLock -Project $p -Agent A -LeaseId $h.LeaseId -ErrorAction SilentlyContinue -ErrorVariable failures
        $lost | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LeaseLost*'
        $failures[0].Exception.Message | Should -BeLike '*released*'
    }

    It 'lets a lease taken with -NoAutoRenew run out at its TTL' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '2s' -NoAutoRenew
        try {
            $null = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused.Count | Should -Be 1
            Start-Sleep -Seconds 3
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
            $b | Should -Not -BeNullOrEmpty -Because "A's lease expired and nothing renewed it"
            $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
        }
        finally {
            Exit-Handles $h
        }
    }

    It 'keeps a short lease alive in the background while the handle is held' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '2s'
        try {
            $firstExpiry = $h.ExpiresAt
            Start-Sleep -Seconds 5
            $null = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused.Count | Should -Be 1 -Because 'the handle renewed the 2 s lease in the background'
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*'
            $h.LostReason | Should -BeNullOrEmpty
            (Get-FastbandLock -Project $p -Agent A).ExpiresAt | Should -BeGreaterThan $firstExpiry
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $h
        }
    }
}

Describe 'Breaking locks and fencing tokens' {
    It 'breaks another agent''s lock, after which the old token no longer validates' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -NoAutoRenew
        try {
            $valid = Test-FastbandLockToken -Project $p -LeaseId $h.LeaseId -FencingToken $h.FencingToken
            $valid | Should -BeOfType 'Fastband.Core.Locks.TokenValidation'
            $valid.Valid | Should -BeTrue
            (Test-FastbandLockToken -Project $p -LeaseId $h.LeaseId -FencingToken ($h.FencingToken + 1)).Valid |
                Should -BeFalse -Because 'a token that is not the lease''s own never validates'

            $break = Revoke-FastbandLock -Project $p -Agent ops -Path 'src/a.txt' -Reason 'A went quiet' -Confirm:$false
            $break | Should -BeOfType 'Fastband.Core.Locks.BreakResult'
            ($break.Broken.LeaseId -join ',') | Should -Be $h.LeaseId
            $break.NewFencingToken | Should -BeGreaterThan $h.FencingToken

            $stale = Test-FastbandLockToken -Project $p -LeaseId $h.LeaseId -FencingToken $h.FencingToken
            $stale.Valid | Should -BeFalse
            $stale.Reason | Should -BeLike '*broken*'
            @(Get-FastbandLock -Project $p).Count | Should -Be 0

            $null = Update-FastbandLock -Project $p -Agent A -LeaseId $h.LeaseId -ErrorAction SilentlyContinue -ErrorVariable lost
            $lost[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LeaseLost*'

            # The next holder's token is above the one the break issued.
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
            try {
                $b.FencingToken | Should -BeGreaterThan $break.NewFencingToken
                (Test-FastbandLockToken -Project $p -LeaseId $b.LeaseId -FencingToken $b.FencingToken).Valid | Should -BeTrue
            }
            finally {
                $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
            }
        }
        finally {
            Exit-Handles $h
        }
    }

    It 'tells the handle that its lease was lost when the background renewal finds it broken' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '3s'
        try {
            $null = Revoke-FastbandLock -Project $p -Agent ops -Path 'src/a.txt' -Reason 'taking over' -Confirm:$false
            Wait-Until -TimeoutSeconds 20 -Because 'the handle to notice the break' -Condition { -not [string]::IsNullOrEmpty($h.LostReason) }
            $h.LostReason | Should -Not -BeNullOrEmpty
        }
        finally {
            Exit-Handles $h
        }
    }

    It 'changes nothing with -WhatIf, and reports nothing to break as an error' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        try {
            Revoke-FastbandLock -Project $p -Agent ops -Path 'src/a.txt' -Reason 'only a test' -WhatIf | Should -BeNullOrEmpty
            (Test-FastbandLockToken -Project $p -LeaseId $h.LeaseId -FencingToken $h.FencingToken).Valid | Should -BeTrue
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $h
        }
        $null = Revoke-FastbandLock -Project $p -Agent ops -Path 'src/a.txt' -Reason 'nothing there' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable nothing
        $nothing.Count | Should -Be 1
        $nothing[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.NothingToBreak*'
    }
}

Describe 'A holder process that dies' {
    It 'hands a lock held by a killed pwsh process to the next acquirer at once' {
        $p = New-TestProject
        $holder = Start-LockHolder -Project $p -Agent holder
        try {
            $held = @(Get-FastbandLock -Project $p -Agent holder)
            $held.Count | Should -Be 1
            $held[0].LeaseId | Should -Be $holder.LeaseId
            $held[0].ProcessId | Should -Be $holder.Process.Id

            $null = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.LockRefused*' -Because 'the holder is alive'

            Stop-Process -Id $holder.Process.Id -Force
            $holder.Process.WaitForExit(30000) | Should -BeTrue

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $b = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
            $clock.Stop()
            try {
                $b | Should -BeOfType 'Fastband.Core.Locks.LockHandle' -Because 'the dead holder''s lease is reclaimed, without any wait'
                $b.FencingToken | Should -BeGreaterThan $holder.FencingToken
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
                (Test-FastbandLockToken -Project $p -LeaseId $holder.LeaseId -FencingToken $holder.FencingToken).Valid | Should -BeFalse
            }
            finally {
                $null = Exit-FastbandLock -Project $p -Agent B -Handle $b
            }
        }
        finally {
            Stop-LockHolder $holder
        }
    }

    It 'lists the dead holder''s lease with Clear-FastbandLock and leaves live ones alone' {
        $p = New-TestProject
        $holder = Start-LockHolder -Project $p -Agent holder
        $live = Enter-FastbandLock -Project $p -Agent A -Path 'docs/live.md'
        try {
            Stop-Process -Id $holder.Process.Id -Force
            $holder.Process.WaitForExit(30000) | Should -BeTrue

            $reclaimed = @(Clear-FastbandLock -Project $p)
            $reclaimed.Count | Should -Be 1
            $reclaimed[0] | Should -BeOfType 'Fastband.Core.Locks.ReclaimedLease'
            $reclaimed[0].Lease.LeaseId | Should -Be $holder.LeaseId
            $reclaimed[0].Why | Should -Be 'process-dead'

            (@(Get-FastbandLock -Project $p).LeaseId -join ',') | Should -Be $live.LeaseId
            @(Clear-FastbandLock -Project $p).Count | Should -Be 0
        }
        finally {
            Stop-LockHolder $holder
            Exit-Handles $live
        }
    }
}

Describe 'Holds' {
    It 'refuses Enter-FastbandLock with Fastband.HoldInForce while a hold stands, except for cleared work' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration in progress'

        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable failures
        $h | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.HoldInForce*'
        $failures[0].Exception.Message | Should -BeLike '*Database migration in progress*'
        @(Get-FastbandLock -Project $p).Count | Should -Be 0

        { Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -ScriptBlock { 'never runs' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'Fastband.HoldInForce*'

        # A clearance for A on ticket 1206 lets A lock for that ticket only.
        $null = Grant-FastbandClearance -Project $p -Agent ops -ToAgent A -TicketId 1206 -Reason 'no overlap'
        $cleared = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -TicketId 1206
        try {
            $cleared | Should -BeOfType 'Fastband.Core.Locks.LockHandle'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $cleared
        }
        $null = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -TicketId 1207 -ErrorAction SilentlyContinue -ErrorVariable other
        $other[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.HoldInForce*'

        $null = Remove-FastbandHold -Project $p -Agent ops -Confirm:$false
        $after = Enter-FastbandLock -Project $p -Agent B -Path 'src/a.txt'
        $after | Should -Not -BeNullOrEmpty
        $null = Exit-FastbandLock -Project $p -Agent B -Handle $after
    }
}

Describe 'Get-FastbandLock | Exit-FastbandLock' {
    It 'releases every lease piped in, and only those' {
        $p = New-TestProject
        $a1 = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        $a2 = Enter-FastbandLock -Project $p -Agent A -Path 'src/b.txt' -Untied
        $b1 = Enter-FastbandLock -Project $p -Agent B -Path 'docs/c.md'
        try {
            $released = @(Get-FastbandLock -Project $p -Agent A | Exit-FastbandLock -Project $p -Agent A)
            $released.Count | Should -Be 2
            $released | ForEach-Object { $_ | Should -BeOfType 'Fastband.Core.Locks.ReleaseResult' }
            $released | ForEach-Object { $_.Released | Should -BeTrue }
            (($released.Resources | Sort-Object) -join ',') | Should -Be 'src/a.txt,src/b.txt'
            (@(Get-FastbandLock -Project $p).LeaseId -join ',') | Should -Be $b1.LeaseId -Because "B's lock was not piped"

            # Everything that is left.
            $rest = @(Get-FastbandLock -Project $p | Exit-FastbandLock -Project $p -Agent B)
            $rest.Count | Should -Be 1
            ($rest.Resources -join ',') | Should -Be 'docs/c.md'
            @(Get-FastbandLock -Project $p).Count | Should -Be 0
        }
        finally {
            Exit-Handles $a1, $a2, $b1
        }
    }
}

Describe 'Request-FastbandLockHandoff' {
    It 'asks the holders to hand over and returns their leases' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent A
        $a = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt'
        try {
            $holders = @(Request-FastbandLockHandoff -Project $p -Agent B -Path 'src/a.txt' -Message 'I need it for #1206')
            $holders.Count | Should -Be 1
            $holders[0] | Should -BeOfType 'Fastband.Core.Locks.Lease'
            $holders[0].LeaseId | Should -Be $a.LeaseId
            $holders[0].Agent | Should -Be 'A'

            $inbox = @(Receive-FastbandMessage -Project $p -Agent A)
            $inbox.Count | Should -Be 1
            $inbox[0].Kind | Should -BeExactly 'handoff_request'
            $inbox[0].Body | Should -BeLike '*src/a.txt*I need it for #1206*'
        }
        finally {
            $null = Exit-FastbandLock -Project $p -Agent A -Handle $a
        }

        $null = Request-FastbandLockHandoff -Project $p -Agent B -Path 'src/a.txt' -ErrorAction SilentlyContinue -ErrorVariable nobody
        $nobody.Count | Should -Be 1
        $nobody[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.NothingHeld*'
    }
}
