#Requires -Version 7.4
# Pester 5 tests for issues, fixes, the audit trail, reports and the issues' health: New-FastbandIssue,
# Get-FastbandIssue, Lock-FastbandIssue (claim), Unlock-FastbandIssue (release), Submit-FastbandFix,
# Approve-FastbandFix (apply), Deny-FastbandFix (reject), Get-FastbandFix, Get-FastbandAudit, Export-FastbandAudit,
# Import-FastbandIssue, New-FastbandReport and Get-FastbandIssueHealth.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so
# neither the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Issues.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'New-FastbandIssue and Get-FastbandIssue' {
    It 'creates issues and lists the ready ones most severe first' {
        $p = New-TestProject
        $low = New-FastbandIssue -Project $p -Agent alice -Title 'Slow list' -Severity low
        $high = New-FastbandIssue -Project $p -Agent alice -Title 'Header misaligned' -Severity high -Files base.html
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'Waits for the header' -BlockedBy $high.Id

        $low | Should -BeOfType 'Fastband.Core.Issues.Issue'
        $low.Id | Should -BeExactly 'issue_001'
        (@(Get-FastbandIssue -Project $p -Available).Id -join ',') | Should -Be 'issue_002,issue_001'
        (@(Get-FastbandIssue -Project $p -Ready).Id -join ',') | Should -Be 'issue_002,issue_001'
        (Get-FastbandIssue -Project $p -Id issue_003).OpenBlockers | Should -Be 1
    }

    It 'refuses an unknown -Severity at parameter binding and an unknown blocker as Fastband.UnknownBlocker' {
        $p = New-TestProject
        { New-FastbandIssue -Project $p -Agent alice -Title 'x' -Severity urgent } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*' -ExceptionType ([System.Management.Automation.ParameterBindingException])
        $r = New-FastbandIssue -Project $p -Agent alice -Title 'x' -BlockedBy issue_404 -ErrorAction SilentlyContinue -ErrorVariable failures
        $r | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.UnknownBlocker,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        @(Get-FastbandIssue -Project $p -All).Count | Should -Be 0
    }

    It 'creates nothing with -WhatIf' {
        $p = New-TestProject
        New-FastbandIssue -Project $p -Agent alice -Title 'x' -WhatIf | Should -BeNullOrEmpty
        @(Get-FastbandIssue -Project $p -All).Count | Should -Be 0
    }
}

Describe 'Lock-FastbandIssue and Unlock-FastbandIssue' {
    It 'claims the first ready issue from the pipeline and gives it a claim token' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'Header misaligned' -Severity high
        $claimed = Get-FastbandIssue -Project $p -Available | Select-Object -First 1 | Lock-FastbandIssue -Project $p -Agent bob
        $claimed.Id | Should -BeExactly 'issue_001'
        $claimed.AssignedTo | Should -BeExactly 'bob'
        $claimed.ClaimToken | Should -Be 1
        @(Get-FastbandIssue -Project $p -Available).Count | Should -Be 0
        (@(Get-FastbandIssue -Project $p -Agent bob -Mine).Id -join ',') | Should -Be 'issue_001'
    }

    It 'refuses a claim on a claimed issue as Fastband.IssueUnavailable naming the holder' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001
        $r = Lock-FastbandIssue -Project $p -Agent carol -Id issue_001 -ErrorAction SilentlyContinue -ErrorVariable failures
        $r | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.IssueUnavailable,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceBusy)
        $failures[0].Exception.Message | Should -BeLike '*claimed by bob*'
    }

    It 'refuses a claim while a hold covers the caller as Fastband.HoldInForce' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $null = Set-FastbandHold -Project $p -Agent ops -Reason 'Database migration'
        $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001 -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.HoldInForce,*'
        $failures[0].Exception.Message | Should -BeLike '*Database migration*'
        (Get-FastbandIssue -Project $p -Id issue_001).Status | Should -BeExactly 'new'
    }

    It 'lets only the holder release, or anyone with -Force and -Reason' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001
        $null = Unlock-FastbandIssue -Project $p -Agent carol -Id issue_001 -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.ReleaseRefused,*'
        $released = Unlock-FastbandIssue -Project $p -Agent carol -Id issue_001 -Force -Reason 'bob is gone' -Confirm:$false
        $released.Status | Should -BeExactly 'new'
        (@(Get-FastbandAudit -Project $p -IssueId issue_001)[-1]).Message | Should -BeLike "*bob's claim*bob is gone*"
    }
}

Describe 'Submit-FastbandFix, Approve-FastbandFix and Deny-FastbandFix' {
    It 'runs the whole cycle and resolves the issue' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'Header misaligned' -Severity high
        $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001
        $fix = Submit-FastbandFix -Project $p -Agent bob -IssueId issue_001 -Title 'Use flexbox' -Approach 'flex instead of floats' -Files site.css -Tested -TestNotes 'three pages'
        $fix | Should -BeOfType 'Fastband.Core.Issues.Fix'
        $fix.Status | Should -BeExactly 'proposed'

        $applied = Get-FastbandFix -Project $p -Status proposed | Approve-FastbandFix -Project $p -Agent carol -Confirm:$false
        $applied.Status | Should -BeExactly 'applied'
        ($applied.VerifiedBy -join ',') | Should -Be 'carol'
        $issue = Get-FastbandIssue -Project $p -Id issue_001
        $issue.Status | Should -BeExactly 'resolved'
        $issue.ResolvedBy | Should -BeExactly 'carol'
        (@(Get-FastbandAudit -Project $p).Action -join ',') | Should -Be 'create_issue,claim_issue,propose_fix,apply_fix'
    }

    It 'refuses a fix for an unknown issue as Fastband.IssueNotFound' {
        $p = New-TestProject
        $null = Submit-FastbandFix -Project $p -Agent bob -IssueId issue_404 -Title 't' -Approach 'a' -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.IssueNotFound,*'
        @(Get-FastbandFix -Project $p).Count | Should -Be 0
    }

    It 'rejects with a reason, sends the issue back to work, and then refuses to apply the rejected fix' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $null = Lock-FastbandIssue -Project $p -Agent bob -Id issue_001
        $null = Submit-FastbandFix -Project $p -Agent bob -IssueId issue_001 -Title 't' -Approach 'a'
        $rejected = Deny-FastbandFix -Project $p -Agent carol -Id fix_001 -Reason 'breaks the footer' -Confirm:$false
        $rejected.RejectReason | Should -BeExactly 'breaks the footer'
        (Get-FastbandIssue -Project $p -Id issue_001).Status | Should -BeExactly 'in_progress'
        $null = Approve-FastbandFix -Project $p -Agent carol -Id fix_001 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.FixNotProposed,*'
    }
}

Describe 'Export-FastbandAudit, Import-FastbandIssue, New-FastbandReport and Get-FastbandIssueHealth' {
    It 'exports the audit trail as JSON lines in the seed shape' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $file = Join-Path $p 'audit_log.jsonl'
        $result = Export-FastbandAudit -Project $p -Path $file
        $result.Entries | Should -Be 1
        $line = Get-Content -LiteralPath $file | ConvertFrom-Json
        $line.agent | Should -BeExactly 'alice'
        $line.action | Should -BeExactly 'create_issue'
        $line.success | Should -BeTrue
        $line.issue_id | Should -BeExactly 'issue_001'
    }

    It 'imports the seed layout and warns about each broken file' {
        $p = New-TestProject
        $seed = Join-Path $p 'seed'
        $null = New-Item -ItemType Directory -Path (Join-Path $seed 'issues/high')
        Set-Content -LiteralPath (Join-Path $seed 'issues/high/issue_007_demo.json') -Value '{"title": "Demo", "status": "new"}'
        Set-Content -LiteralPath (Join-Path $seed 'issues/high/issue_008_broken.json') -Value '{ not json'
        $result = Import-FastbandIssue -Project $p -Agent ops -Path $seed -WarningVariable warnings -WarningAction SilentlyContinue
        ($result.IssuesAdded -join ',') | Should -Be 'issue_007'
        $result.Skipped.Count | Should -Be 1
        $warnings[0] | Should -BeLike '*issue_008_broken.json*not valid JSON*'
        (Get-FastbandIssue -Project $p -Id issue_007).Severity | Should -BeExactly 'high'
    }

    It 'writes the same report bytes twice for the same data' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $first = New-FastbandReport -Project $p
        $hashes = (Get-ChildItem -LiteralPath $first.Directory | Sort-Object Name | Get-FileHash | ForEach-Object Hash) -join ','
        $second = New-FastbandReport -Project $p
        $second.Files | ForEach-Object { $_.Changed | Should -BeFalse }
        ((Get-ChildItem -LiteralPath $first.Directory | Sort-Object Name | Get-FileHash | ForEach-Object Hash) -join ',') | Should -Be $hashes
    }

    It 'reports health with statistics and a worst state' {
        $p = New-TestProject
        $null = New-FastbandIssue -Project $p -Agent alice -Title 'x'
        $null = New-FastbandReport -Project $p
        $health = Get-FastbandIssueHealth -Project $p
        $health | Should -BeOfType 'Fastband.Core.Issues.IssueHealthReport'
        "$($health.State)" | Should -Be 'Healthy'
        ($health.Findings | Where-Object Subject -eq 'statistics').Summary | Should -BeLike '1 issues*'
        @((Get-FastbandHealth -Project $p).Findings | Where-Object Check -eq 'issues').Count | Should -Be 3
    }
}
