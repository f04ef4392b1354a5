# Source manifest. ./build.sh copies it, the cmdlet DLL and an allow-list of dependencies into
# module/Fastband/, which is the folder to Import-Module.
@{
    RootModule           = 'Fastband.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f4c2a0e-9b7d-4e55-8d0b-6a1f3c2e7b91'
    Author               = 'Fastband'
    CompanyName          = 'Fastband'
    Copyright            = '(c) Fastband. All rights reserved.'
    Description          = 'A safety net and coordination for teams of AI coding agents on one codebase: the Agent Ops Log with enforced holds and clearances, rebuild announcements, agent sessions, the status board and messages between agents.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Fastband.format.ps1xml')
    CmdletsToExport      = @(
        'Clear-FastbandLock'
        'Complete-FastbandRebuild'
        'Confirm-FastbandMessage'
        'Copy-FastbandStore'
        'Enter-FastbandLock'
        'Exit-FastbandLock'
        'Get-FastbandAgent'
        'Get-FastbandAgentStatus'
        'Get-FastbandBackup'
        'Get-FastbandBackupStatus'
        'Get-FastbandBoard'
        'Get-FastbandDirective'
        'Get-FastbandLock'
        'Get-FastbandLockConflict'
        'Get-FastbandOpsLog'
        'Get-FastbandRebuild'
        'Get-FastbandStore'
        'Get-FastbandTicketConflict'
        'Grant-FastbandClearance'
        'Invoke-FastbandOpsLogArchive'
        'Invoke-FastbandScheduledBackup'
        'Limit-FastbandBackup'
        'New-FastbandBackup'
        'Receive-FastbandMessage'
        'Register-FastbandAgent'
        'Remove-FastbandHold'
        'Request-FastbandClearance'
        'Request-FastbandLockHandoff'
        'Restore-FastbandBackup'
        'Send-FastbandMessage'
        'Set-FastbandHold'
        'Set-FastbandStatus'
        'Start-FastbandRebuild'
        'Test-FastbandBackup'
        'Test-FastbandCoordination'
        'Test-FastbandLockToken'
        'Unlock-FastbandLock'
        'Update-FastbandLock'
        'Wait-FastbandClearance'
        'Write-FastbandOpsLog'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('agents', 'coordination', 'ops-log', 'backup')
            ProjectUri = 'https://example.invalid/fastband'
        }
    }
}
