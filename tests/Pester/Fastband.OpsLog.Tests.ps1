#Requires -Version 7.4
# Pester 5 tests for the Agent Ops Log cmdlets: entries, reading and filtering, follow mode, holds and
# clearances (the scenario from the issue), rebuilds, agent sessions, waiting, archiving and error records.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so
# neither the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.OpsLog.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $manifest = Get-FastbandTestManifest
    $savedEnvironment = Clear-FastbandEnvironment

    # May this agent work (on this ticket) now?
    function Test-Allowed {
        param([string] $Project, [string] $Agent, [string] $TicketId)
        $arguments = @{ Project = $Project; Agent = $Agent }
        if ($TicketId) { $arguments.TicketId = $TicketId }
        (Test-FastbandCoordination @arguments).Allowed
    }

    # Polls a running job until it has produced at least $Count objects (kept in the job), or the timeout.
    function Wait-JobOutput {
        param([Parameter(Mandatory)] $Job, [int] $Count, [int] $TimeoutSeconds = 30)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $output = @(Receive-Job -Job $Job -Keep)
            if ($output.Count -ge $Count -or [DateTime]::UtcNow -ge $deadline) { return $output }
            if ($Job.State -in 'Failed', 'Completed', 'Stopped') {
                throw "The background job ended ($($Job.State)) after $($output.Count) object(s): $($Job.ChildJobs[0].JobStateInfo.Reason)"
            }
            Start-Sleep -Milliseconds 100
        }
    }

    function Stop-BackgroundJob {
        param($Job)
        if ($null -eq $Job) { return }
        $Job | Stop-Job -ErrorAction SilentlyContinue
        $Job | Remove-Job -Force -ErrorAction SilentlyContinue
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Write-FastbandOpsLog' {
    It 'returns the OpsLogEntry it wrote, with its fields and the Formatted form' {
        $p = New-TestProject
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)

        $e = Write-FastbandOpsLog -Project $p -Agent 'MCP_Agent1' -EventType ticket_claimed `
            -Message 'Starting work on ticket #1205' -TicketId 1205 -Metadata @{ pr = 481; files = @('a.html', 'b.css') }

        $e | Should -BeOfType 'Fastband.Core.OpsLog.OpsLogEntry'
        $e.Id | Should -BeGreaterThan 0
        $e.Agent | Should -BeExactly 'MCP_Agent1'
        $e.EventType | Should -BeExactly 'ticket_claimed'
        $e.Message | Should -BeExactly 'Starting work on ticket #1205'
        $e.TicketId | Should -BeExactly '1205'
        $e.Metadata['pr'] | Should -Be 481
        ($e.Metadata['files'] -join ',') | Should -Be 'a.html,b.css'
        $e.ProcessId | Should -Be $PID
        $e.Host | Should -Not -BeNullOrEmpty
        $e.Timestamp | Should -BeOfType 'System.DateTimeOffset'
        $e.Timestamp | Should -BeGreaterThan $before
        $e.Timestamp | Should -BeLessThan ([DateTimeOffset]::UtcNow.AddSeconds(1))

        # [agent][yyyy-MM-dd HH:mm:ss] [#ticket] message, the timestamp in UTC.
        $stamp = $e.Timestamp.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss', [cultureinfo]::InvariantCulture)
        $e.Formatted | Should -BeExactly "[MCP_Agent1][$stamp] [#1205] Starting work on ticket #1205"
        $e.Formatted | Should -Match '^\[MCP_Agent1\]\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[#1205\] Starting work on ticket #1205$'
        $e.ToString() | Should -BeExactly $e.Formatted
    }

    It 'leaves the ticket out of the Formatted form when there is none' {
        $p = New-TestProject
        $e = Write-FastbandOpsLog -Project $p -Agent 'MCP_Agent2' -EventType status_update -Message 'Starting Phase 4 work'
        $e.TicketId | Should -BeNullOrEmpty
        $e.Formatted | Should -Match '^\[MCP_Agent2\]\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] Starting Phase 4 work$'
    }

    It 'reads back what it wrote, metadata included' {
        $p = New-TestProject
        $written = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'hello' -Metadata @{ seq = 7; note = 'x' }
        $read = Get-FastbandOpsLog -Project $p
        $read.Id | Should -Be $written.Id
        $read.Timestamp | Should -Be $written.Timestamp
        $read.Formatted | Should -BeExactly $written.Formatted
        $read.Metadata['seq'] | Should -Be 7
        $read.Metadata['note'] | Should -BeExactly 'x'
    }

    It 'accepts an event type in any case and stores its canonical name' {
        $p = New-TestProject
        (Write-FastbandOpsLog -Project $p -Agent A -EventType 'Ticket_Claimed' -Message 'claim' -TicketId 7).EventType |
            Should -BeExactly 'ticket_claimed'
    }

    It 'refuses an invalid -EventType at parameter binding and writes nothing' {
        $p = New-TestProject
        { Write-FastbandOpsLog -Project $p -Agent A -EventType 'bogus' -Message 'never written' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*' -ExceptionType ([System.Management.Automation.ParameterBindingException])
        Test-Path -LiteralPath (Join-Path $p '.fastband/fastband.db') | Should -BeFalse -Because 'nothing was written, not even the store'
        $null = Get-FastbandOpsLog -Project $p -ErrorAction SilentlyContinue -ErrorVariable noStore
        $noStore[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.NoStore,*' -Because 'a read never creates a store'
        Test-Path -LiteralPath (Join-Path $p '.fastband') | Should -BeFalse
    }

    It 'writes messages piped in, one entry each' {
        $p = New-TestProject
        $written = @('first', 'second', 'third' | Write-FastbandOpsLog -Project $p -Agent A -EventType general)
        $written.Count | Should -Be 3
        ((Get-FastbandOpsLog -Project $p).Message -join '|') | Should -Be 'third|second|first'
    }

    It 'writes nothing with -WhatIf' {
        $p = New-TestProject
        $result = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'only a test' -WhatIf
        $result | Should -BeNullOrEmpty
        @(Get-FastbandOpsLog -Project $p -Limit 0).Count | Should -Be 0
    }

    # The seed's format is [YYYY-MM-DD HH:MM:SS] whatever the session's culture. The CLI runs with invariant
    # globalization, but the cmdlets run inside pwsh, under the user's culture.
    It 'formats the timestamp the same way under the <_> culture' -ForEach @('fi-FI', 'th-TH') {
        $culture = $_
        $p = New-TestProject
        $saved = [cultureinfo]::CurrentCulture
        try {
            try {
                [cultureinfo]::CurrentCulture = [cultureinfo]::new($culture)
            }
            catch {
                Set-ItResult -Skipped -Because "the culture $culture is not available here (invariant globalization?)"
            }
            $e = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'culture check'
            $stamp = $e.Timestamp.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss', [cultureinfo]::InvariantCulture)
            $e.Formatted | Should -BeExactly "[A][$stamp] culture check"
        }
        finally {
            [cultureinfo]::CurrentCulture = $saved
        }
    }
}

Describe 'Get-FastbandOpsLog' {
    It 'refuses an unquoted 2d (which PowerShell reads as the decimal 2) instead of taking it as 2 seconds' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'x'
        { Get-FastbandOpsLog -Project $p -Since 2d -ErrorAction Stop } | Should -Throw -ExpectedMessage "*quote it*'2d'*"
        @(Get-FastbandOpsLog -Project $p -Since '2d').Count | Should -Be 1
    }

    It 'returns entries newest first' {
        $p = New-TestProject
        $ids = foreach ($i in 1..5) { (Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message "entry $i").Id }
        $read = @(Get-FastbandOpsLog -Project $p)
        $read.Count | Should -Be 5
        ($read.Id -join ',') | Should -Be (($ids | Sort-Object -Descending) -join ',')
        $read[0].Message | Should -Be 'entry 5'
    }

    It 'takes -Since as a duration string or as a [datetime], and -Until' {
        $p = New-TestProject
        $old = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'before the mark'
        Start-Sleep -Milliseconds 300
        $mark = [datetime]::UtcNow
        Start-Sleep -Milliseconds 300
        $new = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'after the mark'

        @(Get-FastbandOpsLog -Project $p -Since '1h').Count | Should -Be 2
        @(Get-FastbandOpsLog -Project $p '1h').Count | Should -Be 2 -Because '-Since is the first positional parameter'

        $sinceMark = @(Get-FastbandOpsLog -Project $p -Since $mark)
        $sinceMark.Count | Should -Be 1
        $sinceMark[0].Id | Should -Be $new.Id

        # A local-time [datetime] (what Get-Date returns) means the same instant.
        @(Get-FastbandOpsLog -Project $p -Since ($mark.ToLocalTime())).Id | Should -Be $new.Id
        @(Get-FastbandOpsLog -Project $p -Since ([DateTimeOffset]$mark)).Id | Should -Be $new.Id

        @(Get-FastbandOpsLog -Project $p -Until $mark).Id | Should -Be $old.Id

        Start-Sleep -Milliseconds 300
        @(Get-FastbandOpsLog -Project $p -Since '200ms').Count | Should -Be 0
    }

    It 'filters by -EventType, -TicketId, -Agent and -Limit' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType ticket_claimed -Message 'Starting work on ticket #1205' -TicketId 1205
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent2 -EventType ticket_claimed -Message 'Starting work on ticket #1206' -TicketId 1206
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType status_update -Message 'Halfway there' -TicketId 1205
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent2 -EventType general -Message 'Lunch'
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType ticket_completed -Message 'Completed ticket #1205' -TicketId 1205

        ((Get-FastbandOpsLog -Project $p -EventType ticket_claimed).TicketId -join ',') | Should -Be '1206,1205'
        @(Get-FastbandOpsLog -Project $p -EventType 'ticket_claimed', 'ticket_completed').Count | Should -Be 3

        @(Get-FastbandOpsLog -Project $p -TicketId 1205).Count | Should -Be 3
        @(Get-FastbandOpsLog -Project $p -TicketId '#1205').Count | Should -Be 3 -Because 'a leading # is not part of the ticket id'
        @(Get-FastbandOpsLog -Project $p -TicketId 9999).Count | Should -Be 0

        ((Get-FastbandOpsLog -Project $p -Agent 'mcp_agent2').Message -join '|') | Should -Be 'Lunch|Starting work on ticket #1206' -Because 'agent names compare without case'

        $two = @(Get-FastbandOpsLog -Project $p -Limit 2)
        $two.Count | Should -Be 2
        $two[0].Message | Should -Be 'Completed ticket #1205'

        (Get-FastbandOpsLog -Project $p -Agent MCP_Agent1 -TicketId 1205 -EventType status_update).Message | Should -Be 'Halfway there'
    }

    It 'returns every matching entry by default (no silent limit) and at most -Limit with it' {
        $p = New-TestProject
        $written = @(1..105 | ForEach-Object { "entry $_" } | Write-FastbandOpsLog -Project $p -Agent A -EventType general)
        $written.Count | Should -Be 105
        @(Get-FastbandOpsLog -Project $p).Count | Should -Be 105
        @(Get-FastbandOpsLog -Project $p -Limit 100).Count | Should -Be 100
        @(Get-FastbandOpsLog -Project $p -Limit 0).Count | Should -Be 105
        (Get-FastbandOpsLog -Project $p -Limit 1).Message | Should -Be 'entry 105'
    }

    It 'pipes into Where-Object' {
        $p = New-TestProject
        $hold = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration in progress'
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'noise'
        $null = Remove-FastbandHold -Project $p -Agent ops -Confirm:$false

        $holds = @(Get-FastbandOpsLog -Project $p | Where-Object EventType -eq 'hold')
        $holds.Count | Should -Be 1
        $holds[0].Id | Should -Be $hold.Id
        $holds[0].Message | Should -BeExactly 'HOLD for all agents: Database migration in progress'
        $holds[0].Agent | Should -BeExactly 'ops'
    }

    It 'reads the project found from the current location when -Project is not given' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'found from $PWD'
        $sub = New-Item -ItemType Directory -Path (Join-Path $p 'src/deep')
        Push-Location $sub
        try {
            (Get-FastbandOpsLog).Message | Should -BeExactly 'found from $PWD' -Because 'the nearest folder up holding .fastband/ is the project'
        }
        finally {
            Pop-Location
        }
    }

    # -Follow runs until Ctrl+C (StopProcessing), so it runs in a background job that the test stops.
    It 'streams new entries with -Follow until it is stopped' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'already there'
        $job = Start-BackgroundJob -ArgumentList $manifest, $p -ScriptBlock {
            param($Manifest, $Project)
            Import-Module $Manifest
            Get-FastbandOpsLog -Project $Project -Follow
        }
        try {
            $seen = Wait-JobOutput -Job $job -Count 1 -TimeoutSeconds 60
            ($seen.Message -join '|') | Should -Be 'already there'

            $null = Write-FastbandOpsLog -Project $p -Agent B -EventType status_update -Message 'new one'
            $null = Write-FastbandOpsLog -Project $p -Agent B -EventType status_update -Message 'new two'
            $seen = Wait-JobOutput -Job $job -Count 3 -TimeoutSeconds 30
            ($seen.Message -join '|') | Should -Be 'already there|new one|new two' -Because 'follow prints old entries oldest first, then each new one once'
            $job.State | Should -Be 'Running'
        }
        finally {
            Stop-BackgroundJob $job
        }
    }
}

Describe 'Holds and clearances' {
    It 'follows the scenario from the issue: hold, clearance for B on 1206 and 1207, lift' {
        $p = New-TestProject
        Initialize-TestStore $p

        # No directive: B may work on 1206.
        $answer = Test-FastbandCoordination -Project $p -Agent B -TicketId 1206
        $answer | Should -BeOfType 'Fastband.Core.OpsLog.WorkPermission'
        $answer.Allowed | Should -BeTrue
        $answer.Agent | Should -Be 'B'
        $answer.TicketId | Should -Be '1206'

        # A hold for everyone blocks everyone, on any ticket and on untargeted work.
        $hold = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration in progress - do not modify data files'
        $hold | Should -BeOfType 'Fastband.Core.OpsLog.Directive'
        $hold.IsHold | Should -BeTrue
        $hold.Agents.Count | Should -Be 0 -Because 'no agents named means everyone'
        foreach ($agent in 'A', 'B') {
            foreach ($ticket in '1206', '1207', '1208', '') {
                Test-Allowed -Project $p -Agent $agent -TicketId $ticket | Should -BeFalse -Because "the hold covers $agent on '$ticket'"
            }
        }

        # A clearance for B on 1206 and 1207 exempts B there only.
        $clearance = Grant-FastbandClearance -Project $p -Agent MCP_Agent1 -ToAgent B -TicketId 1206, 1207 -Reason 'No conflicts with my work'
        $clearance.IsClearance | Should -BeTrue
        ($clearance.Agents -join ',') | Should -Be 'B'
        ($clearance.Tickets -join ',') | Should -Be '1206,1207'
        Test-Allowed -Project $p -Agent B -TicketId 1206 | Should -BeTrue
        Test-Allowed -Project $p -Agent B -TicketId 1207 | Should -BeTrue
        Test-Allowed -Project $p -Agent B -TicketId 1208 | Should -BeFalse -Because 'B is cleared for 1206 and 1207 only'
        Test-Allowed -Project $p -Agent B | Should -BeFalse -Because 'B is not cleared for untargeted work'
        Test-Allowed -Project $p -Agent A -TicketId 1206 | Should -BeFalse -Because 'the clearance names B, not A'

        $blocked = Test-FastbandCoordination -Project $p -Agent A -TicketId 1206
        $blocked.Blocked | Should -BeTrue
        ($blocked.BlockingHolds.Id -join ',') | Should -Be "$($hold.Id)"
        $blocked.Reason | Should -BeLike "A may not work on ticket #1206: hold $($hold.Id) by ops is in force*"

        # Lifting the hold lets everyone work.
        $lift = Remove-FastbandHold -Project $p -Agent ops -Reason 'migration done' -Confirm:$false
        $lift.Kind | Should -Be 'lift'
        foreach ($agent in 'A', 'B') {
            foreach ($ticket in '1206', '1207', '1208', '') {
                Test-Allowed -Project $p -Agent $agent -TicketId $ticket | Should -BeTrue -Because "no hold stands for $agent on '$ticket'"
            }
        }
    }

    It 'scopes a hold to the agents and tickets it names' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'schema change on 1300' -ForAgent A -TicketId 1300
        Test-Allowed -Project $p -Agent A -TicketId 1300 | Should -BeFalse
        Test-Allowed -Project $p -Agent a -TicketId 1300 | Should -BeFalse -Because 'agent names compare without case'
        Test-Allowed -Project $p -Agent A -TicketId 1301 | Should -BeTrue
        Test-Allowed -Project $p -Agent A | Should -BeTrue -Because 'a hold on tickets does not cover untargeted work'
        Test-Allowed -Project $p -Agent B -TicketId 1300 | Should -BeTrue
    }

    It 'does not let an earlier clearance narrow a later hold' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'first'
        $null = Grant-FastbandClearance -Project $p -Agent ops -ToAgent B -Reason 'B may go on'
        Test-Allowed -Project $p -Agent B | Should -BeTrue
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'second'
        Test-Allowed -Project $p -Agent B | Should -BeFalse
    }

    It 'shows the latest directive and the holds in force with Get-FastbandDirective' {
        $p = New-TestProject
        Initialize-TestStore $p
        $d = Get-FastbandDirective -Project $p
        $d | Should -BeOfType 'Fastband.Core.OpsLog.DirectiveStatus'
        $d.DirectiveFound | Should -BeFalse
        $d.IsHold | Should -BeFalse
        $d.Message | Should -Be 'No active directives. Safe to proceed.'

        $hold = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration in progress'
        $d = Get-FastbandDirective -Project $p
        $d.DirectiveFound | Should -BeTrue
        $d.IsHold | Should -BeTrue
        $d.Latest.Id | Should -Be $hold.Id
        $d.Latest.Kind | Should -Be 'hold'
        $d.Latest.IssuedBy | Should -Be 'ops'
        $d.Latest.Reason | Should -Be 'Database migration in progress'
        $d.ActiveHolds.Count | Should -Be 1

        # As in the seed, IsHold describes the latest directive: after a clearance it is false,
        # although the hold still stands for everyone the clearance does not name.
        $null = Grant-FastbandClearance -Project $p -Agent ops -ToAgent B -TicketId 1206 -Reason 'no overlap'
        $d = Get-FastbandDirective -Project $p
        $d.IsHold | Should -BeFalse
        $d.IsClearance | Should -BeTrue
        $d.ActiveHolds.Count | Should -Be 1
        $d.Clearances.Count | Should -Be 1

        $null = Remove-FastbandHold -Project $p -Agent ops -Confirm:$false
        $d = Get-FastbandDirective -Project $p
        $d.ActiveHolds.Count | Should -Be 0
        $d.Latest.Kind | Should -Be 'lift'
        $d.Message | Should -Be 'No hold in force.'
    }

    It 'lifts holds piped from (Get-FastbandDirective).ActiveHolds' {
        $p = New-TestProject
        $h1 = Set-FastbandHold -Project $p -Agent ops -Reason 'migration'
        $h2 = Set-FastbandHold -Project $p -Agent ops -Reason 'deploy' -ForAgent A
        ((Get-FastbandDirective -Project $p).ActiveHolds.Id -join ',') | Should -Be "$($h1.Id),$($h2.Id)"

        # One, by id (the Id property binds to -HoldId).
        $lift = (Get-FastbandDirective -Project $p).ActiveHolds | Where-Object Id -eq $h1.Id |
            Remove-FastbandHold -Project $p -Agent ops -Confirm:$false
        $lift.Kind | Should -Be 'lift'
        $lift.LiftsHoldId | Should -Be $h1.Id
        ((Get-FastbandDirective -Project $p).ActiveHolds.Id -join ',') | Should -Be "$($h2.Id)"

        # Then every one that is left.
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'one more'
        $lifts = @((Get-FastbandDirective -Project $p).ActiveHolds | Remove-FastbandHold -Project $p -Agent ops -Confirm:$false)
        $lifts.Count | Should -Be 2
        (Get-FastbandDirective -Project $p).ActiveHolds.Count | Should -Be 0
        Test-Allowed -Project $p -Agent A | Should -BeTrue
    }

    It 'posts nothing with Set-FastbandHold -WhatIf' {
        $p = New-TestProject
        $result = Set-FastbandHold -Project $p -Agent ops -Reason 'only a test' -WhatIf
        $result | Should -BeNullOrEmpty
        @(Get-FastbandOpsLog -Project $p -Limit 0).Count | Should -Be 0
        (Get-FastbandDirective -Project $p).DirectiveFound | Should -BeFalse
        Test-Allowed -Project $p -Agent A | Should -BeTrue
    }

    It 'keeps the hold with Remove-FastbandHold -WhatIf' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'stays'
        Remove-FastbandHold -Project $p -Agent ops -WhatIf | Should -BeNullOrEmpty
        (Get-FastbandDirective -Project $p).ActiveHolds.Count | Should -Be 1
    }

    It 'tells how many other active agents a clearance request notified' {
        $p = New-TestProject
        # A and C are active: each wrote an entry just now (writing records the agent's session).
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType status_update -Message 'A online'
        $null = Write-FastbandOpsLog -Project $p -Agent C -EventType status_update -Message 'C online'

        $request = Request-FastbandClearance -Project $p -Agent B -TicketId 1206, 1207 -Reason 'Need the header templates'
        $request | Should -BeOfType 'Fastband.Core.OpsLog.ClearanceRequest'
        $request.NotifiedCount | Should -Be 2
        (($request.NotifiedAgents | Sort-Object) -join ',') | Should -Be 'A,C'
        ($request.Tickets -join ',') | Should -Be '1206,1207'
        $request.Message | Should -Be 'Clearance request posted. 2 other agent(s) notified.'
        $request.Entry.EventType | Should -Be 'status_update'
        $request.Entry.Message | Should -BeLike 'CLEARANCE REQUEST from B for tickets #1206, #1207.*'

        # B itself is never counted, and a request is no directive.
        (Request-FastbandClearance -Project $p -Agent A -TicketId 1300 -Reason 'mine').NotifiedCount | Should -Be 2
        (Get-FastbandDirective -Project $p).DirectiveFound | Should -BeFalse
    }
}

Describe 'Rebuilds' {
    It 'announces a rebuild that blocks other agents but not its requester, until it completes' {
        $p = New-TestProject
        Initialize-TestStore $p
        @(Get-FastbandRebuild -Project $p).Count | Should -Be 0

        $start = Start-FastbandRebuild -Project $p -Agent MCP_Agent1 -Container webapp -TicketId 1205 -File 'templates/base.html', 'static/css/main.css'
        $start.EventType | Should -Be 'rebuild_requested'
        $start.Message | Should -BeExactly 'REBUILD REQUESTED for webapp (Ticket #1205)'
        $start.Metadata['container'] | Should -Be 'webapp'
        ($start.Metadata['files_changed'] -join ',') | Should -Be 'templates/base.html,static/css/main.css'

        $status = @(Get-FastbandRebuild -Project $p)
        $status.Count | Should -Be 1
        $status[0] | Should -BeOfType 'Fastband.Core.OpsLog.RebuildStatus'
        $status[0].Container | Should -Be 'webapp'
        $status[0].InProgress | Should -BeTrue
        $status[0].RequestedBy | Should -Be 'MCP_Agent1'
        $status[0].TicketId | Should -Be '1205'
        ($status[0].Files -join ',') | Should -Be 'templates/base.html,static/css/main.css'

        Test-Allowed -Project $p -Agent MCP_Agent1 -TicketId 1205 | Should -BeTrue -Because 'a rebuild does not block the agent that requested it'
        $other = Test-FastbandCoordination -Project $p -Agent MCP_Agent2 -TicketId 1206
        $other.Allowed | Should -BeFalse
        $other.BlockingRebuilds.Container | Should -Be 'webapp'
        $other.Reason | Should -BeLike '*webapp is being rebuilt by MCP_Agent1*'

        # Complete it by piping the status in (Container, TicketId and Files bind by property name).
        $done = Get-FastbandRebuild -Project $p | Complete-FastbandRebuild -Project $p -Agent MCP_Agent1
        $done.EventType | Should -Be 'rebuild_complete'
        $done.Message | Should -BeExactly 'REBUILD COMPLETE for webapp (Ticket #1205)'
        ($done.Metadata['files_changed'] -join ',') | Should -Be 'templates/base.html,static/css/main.css'

        @(Get-FastbandRebuild -Project $p).Count | Should -Be 0
        $all = @(Get-FastbandRebuild -Project $p -All)
        $all.Count | Should -Be 1
        $all[0].InProgress | Should -BeFalse
        $all[0].CompletedBy | Should -Be 'MCP_Agent1'
        $all[0].CompletedAt | Should -Not -BeNullOrEmpty
        Test-Allowed -Project $p -Agent MCP_Agent2 -TicketId 1206 | Should -BeTrue
    }

    It 'announces nothing with -WhatIf' {
        $p = New-TestProject
        Start-FastbandRebuild -Project $p -Agent A -Container webapp -WhatIf | Should -BeNullOrEmpty
        @(Get-FastbandRebuild -Project $p -All).Count | Should -Be 0
    }
}

Describe 'Agent sessions' {
    It 'registers agents, lists them and finds ticket conflicts' {
        $p = New-TestProject
        $a = Register-FastbandAgent -Project $p -Agent MCP_Agent1 -TicketId 1205
        $a | Should -BeOfType 'Fastband.Core.OpsLog.AgentRegistration'
        $a.Name | Should -Be 'MCP_Agent1'
        $a.CurrentTicket | Should -Be '1205'
        $a.IsActive | Should -BeTrue
        $a.Status | Should -Be 'working'
        $a.ProcessId | Should -Be $PID
        $a.Host | Should -Be ([Environment]::MachineName)

        $b = Register-FastbandAgent -Project $p -Agent MCP_Agent2
        $b.Status | Should -Be 'idle'
        $b.CurrentTicket | Should -BeNullOrEmpty

        (((Get-FastbandAgent -Project $p).Name | Sort-Object) -join ',') | Should -Be 'MCP_Agent1,MCP_Agent2'
        (Get-FastbandAgent -Project $p -Name 'mcp_agent1').CurrentTicket | Should -Be '1205'

        $conflict = Get-FastbandTicketConflict -Project $p -Agent MCP_Agent2 -TicketId 1205
        $conflict | Should -BeOfType 'Fastband.Core.OpsLog.TicketConflict'
        $conflict.HasConflict | Should -BeTrue
        ($conflict.ConflictingAgents -join ',') | Should -Be 'MCP_Agent1'
        $conflict.Recommendation | Should -Be 'Contact MCP_Agent1 before working on ticket #1205.'

        (Get-FastbandTicketConflict -Project $p -Agent MCP_Agent1 -TicketId 1205).HasConflict | Should -BeFalse -Because 'your own ticket is no conflict'
        (Get-FastbandTicketConflict -Project $p -Agent MCP_Agent2 -TicketId 1206).HasConflict | Should -BeFalse

        # An agent session piped in: its CurrentTicket binds to -TicketId.
        (Get-FastbandAgent -Project $p -Name MCP_Agent1 | Get-FastbandTicketConflict -Project $p -Agent MCP_Agent2).HasConflict | Should -BeTrue

        # Registering again keeps the ticket unless a new one is given.
        (Register-FastbandAgent -Project $p -Agent MCP_Agent1).CurrentTicket | Should -Be '1205'
        (Register-FastbandAgent -Project $p -Agent MCP_Agent1 -TicketId 1300).CurrentTicket | Should -Be '1300'
    }

    It 'moves the current ticket with ticket_claimed and ticket_completed entries' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType ticket_claimed -Message 'Starting work on ticket #1205' -TicketId 1205
        (Get-FastbandAgent -Project $p -Name MCP_Agent1).Status | Should -Be 'working'
        (Get-FastbandTicketConflict -Project $p -Agent MCP_Agent2 -TicketId 1205).HasConflict | Should -BeTrue

        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType ticket_completed -Message 'Completed ticket #1205' -TicketId 1205
        (Get-FastbandAgent -Project $p -Name MCP_Agent1).Status | Should -Be 'idle'
        (Get-FastbandTicketConflict -Project $p -Agent MCP_Agent2 -TicketId 1205).HasConflict | Should -BeFalse
    }

    It 'sums up agents, directive and rebuilds with Get-FastbandAgentStatus' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent MCP_Agent1 -EventType ticket_claimed -Message 'claim' -TicketId 1205
        $null = Start-FastbandRebuild -Project $p -Agent MCP_Agent1 -Container webapp -TicketId 1205
        $status = Get-FastbandAgentStatus -Project $p
        $status | Should -BeOfType 'Fastband.Core.OpsLog.CoordinationStatus'
        $status.ActiveAgents.Name | Should -Be 'MCP_Agent1'
        $status.RebuildInProgress | Should -BeTrue
        $status.RebuildsInProgress.Container | Should -Be 'webapp'
        $status.Directive.DirectiveFound | Should -BeFalse
    }
}

Describe 'Wait-FastbandClearance' {
    It 'returns Allowed once a background job lifts the hold' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'deploy in progress'
        $job = Start-BackgroundJob -ArgumentList $manifest, $p -ScriptBlock {
            param($Manifest, $Project)
            Import-Module $Manifest
            Start-Sleep -Seconds 2
            Remove-FastbandHold -Project $Project -Agent ops -Reason 'deploy done' -Confirm:$false
        }
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $answer = Wait-FastbandClearance -Project $p -Agent B -TicketId 1206 -Timeout '60s' -PollInterval '200ms'
            $clock.Stop()

            $answer | Should -BeOfType 'Fastband.Core.OpsLog.WorkPermission'
            $answer.Allowed | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1 -Because 'the hold stood for about two seconds'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 50 -Because 'the wait ends when the hold is lifted, not at the timeout'

            $lift = $job | Wait-Job -Timeout 30 | Receive-Job
            $lift.Kind | Should -Be 'lift'
        }
        finally {
            Stop-BackgroundJob $job
        }
    }

    It 'gives up at the timeout with Allowed = $false and a warning' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'long migration'
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $answer = Wait-FastbandClearance -Project $p -Agent B -Timeout '1s' -PollInterval '100ms' -WarningVariable warnings -WarningAction SilentlyContinue
        $clock.Stop()

        $answer.Allowed | Should -BeFalse
        $answer.Blocked | Should -BeTrue
        $answer.Reason | Should -BeLike 'B may not work: hold * by ops is in force (long migration).'
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike 'Still blocked after*'
    }

    It 'takes the timeout as a [timespan] or a number of seconds too' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'hold'
        (Wait-FastbandClearance -Project $p -Agent B -Timeout ([timespan]::FromMilliseconds(300)) -PollInterval '100ms' -WarningAction SilentlyContinue).Allowed | Should -BeFalse
        (Wait-FastbandClearance -Project $p -Agent B -Timeout 1 -PollInterval '100ms' -WarningAction SilentlyContinue).Allowed | Should -BeFalse
    }

    It 'returns at once when nothing stands in the way' {
        $p = New-TestProject
        Initialize-TestStore $p
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        (Wait-FastbandClearance -Project $p -Agent B -Timeout '60s').Allowed | Should -BeTrue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
}

Describe 'Invoke-FastbandOpsLogArchive' {
    It 'moves entries older than -OlderThan into a daily JSONL file, still readable with -IncludeArchive' {
        $p = New-TestProject
        # Archiving never moves what the directive rules still read (24 h by default): shorten that window.
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.fastband')
        Set-Content -LiteralPath (Join-Path $p '.fastband' 'config.json') -Value '{ "opsLog": { "directiveWindow": "1s", "rebuildTimeout": "500ms" } }'
        $old = foreach ($i in 1..3) { Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message "old $i" }
        Start-Sleep -Seconds 2
        $fresh = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'fresh'

        $result = Invoke-FastbandOpsLogArchive -Project $p -OlderThan '1s' -Confirm:$false
        $result | Should -BeOfType 'Fastband.Core.OpsLog.ArchiveResult'
        $result.ArchivedCount | Should -Be 3
        $result.Files.Count | Should -Be 1
        $result.Files[0] | Should -Exist
        [System.IO.Path]::GetFullPath((Split-Path $result.Files[0] -Parent)) |
            Should -Be ([System.IO.Path]::GetFullPath((Join-Path $p '.fastband' 'agent_ops' 'archive')))
        (Split-Path $result.Files[0] -Leaf) | Should -Match '^\d{4}-\d{2}-\d{2}\.jsonl$'
        @(Get-Content -LiteralPath $result.Files[0]).Count | Should -Be 3

        (Get-FastbandOpsLog -Project $p -Limit 0).Id | Should -Be $fresh.Id
        $everything = @(Get-FastbandOpsLog -Project $p -Limit 0 -IncludeArchive)
        ($everything.Id -join ',') | Should -Be ((@($fresh.Id) + @($old.Id | Sort-Object -Descending)) -join ',')
        ($everything | Where-Object Message -eq 'old 2').Formatted | Should -BeExactly ($old | Where-Object Message -eq 'old 2').Formatted
    }

    It 'never moves a hold that is still in force, whatever -OlderThan says' {
        $p = New-TestProject
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'migration'
        Start-Sleep -Seconds 2
        (Invoke-FastbandOpsLogArchive -Project $p -OlderThan '1s' -Confirm:$false).ArchivedCount | Should -Be 0
        Test-Allowed -Project $p -Agent A | Should -BeFalse
    }

    It 'keeps entries younger than the retention period (30 days) by default' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'recent'
        (Invoke-FastbandOpsLogArchive -Project $p -Confirm:$false).ArchivedCount | Should -Be 0
        @(Get-FastbandOpsLog -Project $p).Count | Should -Be 1
    }

    It 'moves nothing with -WhatIf' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'stays'
        Start-Sleep -Milliseconds 200
        Invoke-FastbandOpsLogArchive -Project $p -OlderThan '1ms' -WhatIf | Should -BeNullOrEmpty
        @(Get-FastbandOpsLog -Project $p).Count | Should -Be 1
    }
}

Describe 'Error records' {
    It 'reports Remove-FastbandHold with no hold as Fastband.NoHold, ObjectNotFound, without stopping the script' {
        $p = New-TestProject
        $result = Remove-FastbandHold -Project $p -Agent ops -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'Fastband.NoHold,Fastband.PowerShell.Cmdlets.RemoveFastbandHoldCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $failures[0].Exception.Message | Should -BeLike 'There is no hold in force to lift*'
    }

    It 'throws Fastband.NoHold with -ErrorAction Stop' {
        $p = New-TestProject
        $err = { Remove-FastbandHold -Project $p -Agent ops -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'Fastband.NoHold,*' -PassThru
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
    }

    It 'reports a hold id that is not in force as Fastband.HoldNotFound' {
        $p = New-TestProject
        $hold = Set-FastbandHold -Project $p -Agent ops -Reason 'x'
        $null = Remove-FastbandHold -Project $p -Agent ops -HoldId ($hold.Id + 100) -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.HoldNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        (Get-FastbandDirective -Project $p).ActiveHolds.Count | Should -Be 1
    }

    It 'reports an unknown agent as Fastband.AgentNotFound' {
        $p = New-TestProject
        Initialize-TestStore $p
        $null = Get-FastbandAgent -Project $p -Name 'nobody' -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.AgentNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
    }

    It 'reports invalid input as InvalidArgument and writes nothing' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message 'x' -TicketId 'two words' -ErrorAction SilentlyContinue -ErrorVariable badTicket
        $null = Write-FastbandOpsLog -Project $p -Agent 'no spaces allowed' -EventType general -Message 'x' -ErrorAction SilentlyContinue -ErrorVariable badAgent
        $null = Write-FastbandOpsLog -Project $p -Agent A -EventType general -Message '   ' -ErrorAction SilentlyContinue -ErrorVariable emptyMessage

        $badTicket[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.InvalidTicket,*'
        $badAgent[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.InvalidAgentName,*'
        $emptyMessage[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.EmptyMessage,*'
        foreach ($failure in $badTicket[0], $badAgent[0], $emptyMessage[0]) {
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        }
        @(Get-FastbandOpsLog -Project $p -Limit 0).Count | Should -Be 0
    }

    It 'reports a -Project folder that does not exist as Fastband.ProjectNotFound' {
        $missing = Join-Path $TestDrive 'no-such-project'
        $null = Get-FastbandOpsLog -Project $missing -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.ProjectNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $missing | Should -Not -Exist
    }

    It 'gives every failure of its own an error id starting with Fastband.' {
        $p = New-TestProject
        $null = Remove-FastbandHold -Project $p -Agent ops -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable noHold
        $null = Get-FastbandAgent -Project $p -Name ghost -ErrorAction SilentlyContinue -ErrorVariable noAgent
        $null = Get-FastbandTicketConflict -Project $p -Agent A -TicketId '#' -ErrorAction SilentlyContinue -ErrorVariable noTicket
        $null = Request-FastbandClearance -Project $p -Agent A -TicketId ',' -Reason 'r' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable noTickets
        $null = Start-FastbandRebuild -Project $p -Agent A -Container 'web app' -ErrorAction SilentlyContinue -ErrorVariable badContainer
        $failures = @($noHold) + @($noAgent) + @($noTicket) + @($noTickets) + @($badContainer)
        $failures.Count | Should -Be 5
        foreach ($failure in $failures) {
            $failure.FullyQualifiedErrorId | Should -BeLike 'Fastband.*'
        }
    }
}
