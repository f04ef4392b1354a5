#Requires -Version 7.4
# Pester 5 tests for heartbeats, leader election, health and alerts: Send-FastbandHeartbeat, Get-FastbandHeartbeat,
# Get-FastbandLeader, Request-FastbandLeadership, Exit-FastbandLeadership, Test-FastbandLeader, Get-FastbandHealth,
# Get-FastbandAlert and Publish-FastbandAlert.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so neither
# the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it. The failover test sets a
# short leader.heartbeatTimeout in the project's config.yaml and waits (polling) for the lease to lapse.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Health.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $savedWebhooks = $env:FASTBAND_ALERT_WEBHOOKS
    $env:FASTBAND_ALERT_WEBHOOKS = $null

    function Set-TestConfig([string] $Project, [string] $Yaml) {
        $state = Join-Path $Project '.fastband'
        $null = New-Item -ItemType Directory -Path $state -Force
        Set-Content -LiteralPath (Join-Path $state 'config.yaml') -Value $Yaml -NoNewline
    }

    function Wait-Until {
        param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 60, [string] $Because = 'the condition')
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -ge $deadline) { throw "Timed out after $TimeoutSeconds s waiting for $Because." }
            Start-Sleep -Milliseconds 200
        }
    }
}

AfterAll {
    $env:FASTBAND_ALERT_WEBHOOKS = $savedWebhooks
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Send-FastbandHeartbeat and Get-FastbandHeartbeat' {
    It 'records the beat with role, host and count, and lists it' {
        $p = New-TestProject
        $first = Send-FastbandHeartbeat -Project $p -Agent orch -Role orchestrator
        $first | Should -BeOfType 'Fastband.Core.Leader.HeartbeatResult'
        $first.IsLeader | Should -BeFalse
        $null = Send-FastbandHeartbeat -Project $p -Agent orch
        $beat = Get-FastbandHeartbeat -Project $p
        $beat | Should -BeOfType 'Fastband.Core.Leader.Heartbeat'
        $beat.Agent | Should -BeExactly 'orch'
        $beat.Role | Should -BeExactly 'orchestrator'
        $beat.Beats | Should -Be 2
    }

    It '-Stop removes the heartbeat, and -WhatIf writes nothing' {
        $p = New-TestProject
        $null = Send-FastbandHeartbeat -Project $p -Agent ag1 -WhatIf
        @(Get-FastbandHeartbeat -Project $p).Count | Should -Be 0
        $null = Send-FastbandHeartbeat -Project $p -Agent ag1
        (Send-FastbandHeartbeat -Project $p -Agent ag1 -Stop).Stopped | Should -BeTrue
        @(Get-FastbandHeartbeat -Project $p).Count | Should -Be 0
    }
}

Describe 'Leader election' {
    It 'elects the first campaigner in term 1 and refuses others while it lives' {
        $p = New-TestProject
        $won = Request-FastbandLeadership -Project $p -Agent orch
        $won | Should -BeOfType 'Fastband.Core.Leader.LeaderStatus'
        $won.Term | Should -Be 1
        $won.Elected | Should -BeTrue

        $result = Request-FastbandLeadership -Project $p -Agent ag1 -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'Fastband.LeaderAlive,Fastband.PowerShell.Cmdlets.RequestFastbandLeadershipCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceBusy)
        $failures[0].Exception.Message | Should -BeLike '*orch leads in term 1*last heartbeat*'
        (Get-FastbandLeader -Project $p).Leader | Should -BeExactly 'orch'
    }

    It 'fails over to another agent in the next term when the leader stops beating, and refuses the old term' {
        $p = New-TestProject
        Set-TestConfig $p "leader:`n  heartbeatTimeout: 2s`n"
        $null = Request-FastbandLeadership -Project $p -Agent orch
        (Test-FastbandLeader -Project $p -Agent orch -Term 1).Valid | Should -BeTrue

        Wait-Until { -not (Get-FastbandLeader -Project $p).HasLeader } -Because "orch's lease to lapse"
        $second = Request-FastbandLeadership -Project $p -Agent ag1
        $second.Term | Should -Be 2
        $second.Leader | Should -BeExactly 'ag1'

        $check = Test-FastbandLeader -Project $p -Agent orch -Term 1
        $check | Should -BeOfType 'Fastband.Core.Leader.LeaderCheck'
        $check.Valid | Should -BeFalse
        $check.CurrentTerm | Should -Be 2
        $check.Reason | Should -BeLike '*ag1 leads in term 2*'

        $null = Test-FastbandLeader -Project $p -Agent orch -Term 1 -Assert -ErrorAction SilentlyContinue -ErrorVariable stale
        $stale[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.StaleTerm,*'
        $null = Send-FastbandHeartbeat -Project $p -Agent orch -Term 1 -ErrorAction SilentlyContinue -ErrorVariable beat
        $beat[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.StaleTerm,*'

        $history = @(Get-FastbandLeader -Project $p -History)
        $history[0] | Should -BeOfType 'Fastband.Core.Leader.LeaderTerm'
        $history.Term | Should -Be @(2, 1)
        $history[1].EndReason | Should -BeExactly 'lapsed'
    }

    It 'hands over at once on Exit-FastbandLeadership' {
        $p = New-TestProject
        $null = Request-FastbandLeadership -Project $p -Agent orch
        $resigned = Exit-FastbandLeadership -Project $p -Agent orch -Term 1
        $resigned.HasLeader | Should -BeFalse
        (Request-FastbandLeadership -Project $p -Agent ag1).Term | Should -Be 2
    }
}

Describe 'Get-FastbandHealth' {
    It 'returns the report, with the same shape as fastband health --json, and writes the dashboard' {
        $p = New-TestProject
        $null = Request-FastbandLeadership -Project $p -Agent orch
        $null = Send-FastbandHeartbeat -Project $p -Agent orch -Role orchestrator
        $html = Join-Path $p 'dash.html'
        $report = Get-FastbandHealth -Project $p -HtmlPath $html
        $report | Should -BeOfType 'Fastband.Core.Health.HealthReport'
        $report.State | Should -Be ([Fastband.Core.Health.HealthState]::Healthy)
        $report.Findings.Check | Should -Contain 'leader'
        $report.Findings.Check | Should -Contain 'heartbeats'
        $report.Findings.Check | Should -Contain 'store'
        ($report.Findings | Where-Object Check -eq 'leader').Details['term'] | Should -Be 1
        Get-Content -LiteralPath $html -Raw | Should -BeLike '<!DOCTYPE html>*orch*'
    }

    It 'reports a store damaged mid-file as an unhealthy store finding, not an error, also when it cannot be opened' -ForEach @(
        @{ Where = 0.0 }, @{ Where = 0.5 }
    ) {
        $p = New-TestProject
        $noise = [byte[]]::new(3000)
        $random = [System.Random]::new(14)
        foreach ($i in 1..60) {
            $random.NextBytes($noise)
            $null = Write-FastbandOpsLog -Project $p -Agent filler -EventType general -Message ([Convert]::ToBase64String($noise))
        }
        $db = Join-Path $p '.fastband/fastband.db'
        $file = [System.IO.File]::OpenWrite($db)
        try {
            $file.Position = [Math]::Max(100, [long]($file.Length * $Where))   # the header stays
            $damage = [byte[]]::new(8192)
            [System.Random]::new(1414).NextBytes($damage)
            $file.Write($damage, 0, $damage.Length)
        } finally { $file.Dispose() }

        $report = Get-FastbandHealth -Project $p -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed | Should -BeNullOrEmpty
        $report.State | Should -Be ([Fastband.Core.Health.HealthState]::Unhealthy)
        $store = $report.Findings | Where-Object Check -eq 'store'
        $store.State | Should -Be ([Fastband.Core.Health.HealthState]::Unhealthy)
        $store.Summary | Should -BeLike "*$db is damaged*"
    }
}

Describe 'Alerts' {
    It 'keeps an alert that could not be delivered and lists it' {
        $p = New-TestProject
        $env:FASTBAND_ALERT_WEBHOOKS = 'http://127.0.0.1:9/hooks/secret-token'
        try {
            Set-TestConfig $p "alerts:`n  timeout: 2s`n  retries: 0`n"
            $null = Request-FastbandLeadership -Project $p -Agent orch
            $null = Test-FastbandLeader -Project $p -Agent ag1 -Term 1 -Assert -ErrorAction SilentlyContinue
            $pending = @(Get-FastbandAlert -Project $p)
            $pending.Count | Should -Be 1
            $pending[0] | Should -BeOfType 'Fastband.Core.Alerts.PendingAlert'
            $pending[0].Webhook | Should -Not -BeLike '*secret-token*'
            $flushed = Publish-FastbandAlert -Project $p
            $flushed | Should -BeOfType 'Fastband.Core.Alerts.AlertFlushResult'
            $flushed.Delivered | Should -Be 0
            $flushed.Pending.Count | Should -Be 1
        }
        finally {
            $env:FASTBAND_ALERT_WEBHOOKS = $null
        }
    }
}
