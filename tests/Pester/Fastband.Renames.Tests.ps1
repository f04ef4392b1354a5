#Requires -Version 7.4
# Pester 5 tests for the names issue 15 changed: the old cmdlet names are aliases of the new ones, and the old
# property names are alias properties (Fastband.types.ps1xml), so scripts written for them keep working.
# Run through tests/Pester/run.ps1 (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $null = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $savedSession = $env:FASTBAND_SESSION
}

AfterAll {
    $env:FASTBAND_SESSION = $savedSession
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Renamed cmdlets' {
    It 'resolves <Old> to <New>' -ForEach @(
        @{ Old = 'Unlock-FastbandLock'; New = 'Revoke-FastbandLock' }
        @{ Old = 'Update-FastbandSnapshot'; New = 'Update-FastbandTranscript' }
    ) {
        $command = Get-Command $Old -ErrorAction Stop
        $command.CommandType | Should -Be 'Alias'
        $command.ResolvedCommandName | Should -Be $New
        (Get-Command $New).Module.Name | Should -Be 'Fastband'
    }

    It 'writes communication.md through the old name Update-FastbandSnapshot' {
        $p = New-TestProject
        $null = Write-FastbandEvent -Project $p -Agent writer -Type question -Content 'q1' -NewInteraction
        $result = Update-FastbandSnapshot -Project $p
        $result | Should -BeOfType 'Fastband.Core.Events.TranscriptResult'
        (Get-Content -LiteralPath (Join-Path $p 'communication.md') -Raw) | Should -Match 'q1'
    }

    It 'breaks a lock through the old name Unlock-FastbandLock' {
        $p = New-TestProject
        $h = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '10m'
        $before = (Get-FastbandLock -Project $p).FencingToken
        Unlock-FastbandLock -Project $p -Agent ops -Path 'src/a.txt' -Reason 'the holder crashed' -Confirm:$false
        @(Get-FastbandLock -Project $p).Count | Should -Be 0
        $before | Should -BeGreaterThan 0
        $h | Out-Null
    }
}

Describe 'Renamed properties' {
    It 'a lease answers to SessionId and to its old name Session' {
        $p = New-TestProject
        $env:FASTBAND_SESSION = 'work-7'
        try {
            $null = Enter-FastbandLock -Project $p -Agent A -Path 'src/a.txt' -Ttl '10m'
        }
        finally {
            $env:FASTBAND_SESSION = $savedSession
        }
        $lease = Get-FastbandLock -Project $p
        $lease.SessionId | Should -Be 'work-7'
        $lease.Session | Should -Be 'work-7'
    }

    It 'an event cursor answers to CursorFile and to its old name CheckpointFile' {
        $p = New-TestProject
        $null = Write-FastbandEvent -Project $p -Agent writer -Type question -Content 'q1' -NewInteraction
        $cursor = Get-FastbandEventCursor -Project $p -Agent me
        $cursor.CursorFile | Should -Be (Join-Path $p 'agent-me.checkpoint')
        $cursor.CheckpointFile | Should -Be $cursor.CursorFile
    }

    It 'an agent''s registration is an AgentRegistration' {
        $p = New-TestProject
        $agent = Register-FastbandAgent -Project $p -Agent A
        $agent | Should -BeOfType 'Fastband.Core.OpsLog.AgentRegistration'
        $agent.Name | Should -Be 'A'
    }
}
