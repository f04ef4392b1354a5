# Source manifest. ./build.sh copies it, the cmdlet DLL and an allow-list of dependencies into
# module/Fastband/, which is the folder to Import-Module.
@{
    RootModule           = 'Fastband.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f4c2a0e-9b7d-4e55-8d0b-6a1f3c2e7b91'
    Author               = 'Fastband'
    CompanyName          = 'Fastband'
    Copyright            = '(c) Fastband. All rights reserved.'
    Description          = 'A safety net and coordination for teams of AI coding agents on one codebase: the Agent Ops Log with enforced holds and clearances, rebuild announcements, agent sessions, the status board, messages between agents, backups, and a git safety net (attributed commits, checkpoints, rollback, undoable restores) with session state.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Fastband.format.ps1xml')
    CmdletsToExport      = @(
        'Clear-FastbandLock'
        'Complete-FastbandRebuild'
        'Confirm-FastbandMessage'
        'Enter-FastbandLock'
        'Exit-FastbandLock'
        'Get-FastbandAgent'
        'Get-FastbandAgentStatus'
        'Get-FastbandBackup'
        'Get-FastbandBackupStatus'
        'Get-FastbandBoard'
        'Get-FastbandCheckpoint'
        'Get-FastbandDirective'
        'Get-FastbandGitStatus'
        'Get-FastbandLock'
        'Get-FastbandLockConflict'
        'Get-FastbandOpsLog'
        'Get-FastbandRebuild'
        'Get-FastbandSession'
        'Get-FastbandSnapshot'
        'Get-FastbandTicketConflict'
        'Grant-FastbandClearance'
        'Invoke-FastbandOpsLogArchive'
        'Invoke-FastbandScheduledBackup'
        'Limit-FastbandBackup'
        'New-FastbandBackup'
        'New-FastbandCheckpoint'
        'New-FastbandSnapshot'
        'Receive-FastbandMessage'
        'Register-FastbandAgent'
        'Remove-FastbandHold'
        'Request-FastbandClearance'
        'Request-FastbandLockHandoff'
        'Restore-FastbandBackup'
        'Restore-FastbandCheckpoint'
        'Restore-FastbandSnapshot'
        'Save-FastbandSession'
        'Save-FastbandWork'
        'Send-FastbandMessage'
        'Set-FastbandHold'
        'Set-FastbandStatus'
        'Start-FastbandRebuild'
        'Test-FastbandBackup'
        'Test-FastbandCoordination'
        'Test-FastbandLockToken'
        'Undo-FastbandCommit'
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
            Tags       = @('agents', 'coordination', 'ops-log', 'backup', 'git')
            ProjectUri = 'https://example.invalid/fastband'
        }
    }
}
