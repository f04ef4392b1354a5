#Requires -Version 7.4
# Pester 5 tests for the status board and messages between agents: Get-FastbandBoard, Set-FastbandStatus,
# Send-FastbandMessage, Receive-FastbandMessage and Confirm-FastbandMessage.
#
# Every test works in a fresh project folder under TestDrive and passes -Project and -Agent explicitly, so
# neither the caller's working directory nor FASTBAND_PROJECT / FASTBAND_AGENT can leak into it.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Messaging.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Send-FastbandMessage' {
    It 'sends to a registered agent and numbers its messages 1, 2, 3' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $first = Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'Please release base.html' -Kind handoff_request -Thread 'h-1205'
        $second = Send-FastbandMessage -Project $p -Agent carol -To alice -Message 'second'

        $first | Should -BeOfType 'Fastband.Core.Messaging.Message'
        $first.Seq | Should -Be 1
        $second.Seq | Should -Be 2
        $first.Recipient | Should -BeExactly 'alice'
        $first.Sender | Should -BeExactly 'bob'
        $first.Kind | Should -BeExactly 'handoff_request'
        $first.Thread | Should -BeExactly 'h-1205'
        $second.Kind | Should -BeExactly 'info'
        $first.IsAcknowledged | Should -BeFalse
        $first.Formatted | Should -Match '^#1 \[bob\]\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] handoff_request \[thread h-1205\] Please release base\.html$'
    }

    It 'reports an unknown recipient as Fastband.AgentNotFound and sends nothing' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $result = Send-FastbandMessage -Project $p -Agent bob -To carol -Message 'hello' -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'Fastband.AgentNotFound,Fastband.PowerShell.Cmdlets.SendFastbandMessageCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $failures[0].Exception.Message | Should -BeLike "*'carol'*alice*"
        @(Receive-FastbandMessage -Project $p -Agent carol -All).Count | Should -Be 0
    }

    It 'refuses an unknown -Kind at parameter binding' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        { Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'x' -Kind 'gossip' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*' -ExceptionType ([System.Management.Automation.ParameterBindingException])
        @(Receive-FastbandMessage -Project $p -Agent alice -All).Count | Should -Be 0
    }

    It 'sends nothing with -WhatIf' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'only a test' -WhatIf | Should -BeNullOrEmpty
        @(Receive-FastbandMessage -Project $p -Agent alice -All).Count | Should -Be 0
    }

    It 'sends each message piped in' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $sent = @('one', 'two', 'three' | Send-FastbandMessage -Project $p -Agent bob -To alice)
        ($sent.Seq -join ',') | Should -Be '1,2,3'
    }
}

Describe 'Receive-FastbandMessage and Confirm-FastbandMessage' {
    It 'shows unread messages oldest first until they are acknowledged' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $null = 'first', 'second' | Send-FastbandMessage -Project $p -Agent bob -To alice

        (@(Receive-FastbandMessage -Project $p -Agent alice).Body -join '|') | Should -Be 'first|second'
        (@(Receive-FastbandMessage -Project $p -Agent alice).Body -join '|') | Should -Be 'first|second'
        @(Receive-FastbandMessage -Project $p -Agent bob).Count | Should -Be 0
    }

    It 'acknowledges messages piped in from Receive-FastbandMessage, then shows them only with -All' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $null = 'first', 'second' | Send-FastbandMessage -Project $p -Agent bob -To alice

        $results = @(Receive-FastbandMessage -Project $p -Agent alice | Confirm-FastbandMessage -Project $p -Agent alice)
        $results.Count | Should -Be 2
        $results[0] | Should -BeOfType 'Fastband.Core.Messaging.MessageAckResult'
        $results[-1].Cursor | Should -Be 2

        @(Receive-FastbandMessage -Project $p -Agent alice).Count | Should -Be 0
        $all = @(Receive-FastbandMessage -Project $p -Agent alice -All)
        $all.Count | Should -Be 2
        $all | ForEach-Object { $_.IsAcknowledged | Should -BeTrue }
    }

    It 'acknowledges what it reads with -Acknowledge, so the next read is empty' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $null = 'm1', 'm2', 'm3' | Send-FastbandMessage -Project $p -Agent bob -To alice

        (@(Receive-FastbandMessage -Project $p -Agent alice -Acknowledge -Limit 2).Seq -join ',') | Should -Be '1,2'
        (@(Receive-FastbandMessage -Project $p -Agent alice -Acknowledge).Seq -join ',') | Should -Be '3'
        @(Receive-FastbandMessage -Project $p -Agent alice -Acknowledge).Count | Should -Be 0
    }

    It 'acknowledges nothing with -Acknowledge -WhatIf' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $null = Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'keep me'
        $null = Receive-FastbandMessage -Project $p -Agent alice -Acknowledge -WhatIf
        @(Receive-FastbandMessage -Project $p -Agent alice).Count | Should -Be 1
    }

    It 'is harmless to acknowledge twice' {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $m = Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'once'
        $null = Confirm-FastbandMessage -Project $p -Agent alice -MessageId $m.Id
        $again = Confirm-FastbandMessage -Project $p -Agent alice -MessageId $m.Id
        $again.Acknowledged.Count | Should -Be 0
        ($again.AlreadyAcknowledged -join ',') | Should -Be "$($m.Id)"
    }

    It "reports another agent's message as Fastband.MessageNotFound and acknowledges nothing" {
        $p = New-TestProject
        $null = Register-FastbandAgent -Project $p -Agent alice
        $null = Register-FastbandAgent -Project $p -Agent carol
        $forCarol = Send-FastbandMessage -Project $p -Agent bob -To carol -Message 'for carol'
        $forAlice = Send-FastbandMessage -Project $p -Agent bob -To alice -Message 'for alice'

        $result = Confirm-FastbandMessage -Project $p -Agent alice -MessageId $forAlice.Id, $forCarol.Id -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.MessageNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        @(Receive-FastbandMessage -Project $p -Agent alice).Count | Should -Be 1
        @(Receive-FastbandMessage -Project $p -Agent carol).Count | Should -Be 1
    }
}

Describe 'Set-FastbandStatus and Get-FastbandBoard' {
    It 'sets the status with files and ticket, and the board shows it' {
        $p = New-TestProject
        $s = Set-FastbandStatus -Project $p -Agent alice -Status in_progress -Files 'src/a.cs', 'src/b.cs' -TicketId 1205 -Note 'halfway'
        $s | Should -BeOfType 'Fastband.Core.Board.AgentWorkStatus'
        $s.Status | Should -BeExactly 'in_progress'
        ($s.Files -join ',') | Should -Be 'src/a.cs,src/b.cs'
        $s.TicketId | Should -BeExactly '1205'
        $s.IsActive | Should -BeTrue

        $board = Get-FastbandBoard -Project $p
        $board | Should -BeOfType 'Fastband.Core.Board.StatusBoard'
        $board.Agents.Count | Should -Be 1
        $board.Agents[0].Name | Should -BeExactly 'alice'
        $board.Agents[0].Note | Should -BeExactly 'halfway'
        $board.ActiveLocks.Count | Should -Be 0
        $board.RecentReleases.Count | Should -Be 0
        $board.RefusedAcquisitions.Count | Should -Be 0
    }

    It 'replaces the previous status' {
        $p = New-TestProject
        $null = Set-FastbandStatus -Project $p -Agent alice -Status in_progress -Files 'a.cs'
        $null = Set-FastbandStatus -Project $p -Agent alice -Status completed
        $board = Get-FastbandBoard -Project $p
        $board.Agents.Count | Should -Be 1
        $board.Agents[0].Status | Should -BeExactly 'completed'
        $board.Agents[0].Files.Count | Should -Be 0
    }

    It 'refuses an unknown -Status at parameter binding' {
        $p = New-TestProject
        { Set-FastbandStatus -Project $p -Agent alice -Status 'done' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*' -ExceptionType ([System.Management.Automation.ParameterBindingException])
    }

    It 'writes nothing with -WhatIf' {
        $p = New-TestProject
        Set-FastbandStatus -Project $p -Agent alice -Status blocked -WhatIf | Should -BeNullOrEmpty
        (Get-FastbandBoard -Project $p).Agents.Count | Should -Be 0
    }

    It 'formats the board and a status as tables without error' {
        $p = New-TestProject
        $null = Set-FastbandStatus -Project $p -Agent alice -Status reviewing -Files 'a.cs'
        { Get-FastbandBoard -Project $p | Out-String } | Should -Not -Throw
        (Get-FastbandBoard -Project $p | Out-String -Width 300) | Should -BeLike '*alice (reviewing)*'
        (Set-FastbandStatus -Project $p -Agent alice -Status idle | Out-String -Width 300) | Should -BeLike '*idle*'
    }
}
