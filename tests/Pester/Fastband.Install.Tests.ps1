#Requires -Version 7.4
# Pester 5: the module installs by name. In a child pwsh whose home, data folders and PSModulePath are all
# temporary, a local folder repository is registered (Register-PSResourceRepository -Trusted), the staged
# module/Fastband is published to it (Publish-PSResource), installed from it (Install-PSResource -Scope
# CurrentUser, and Save-PSResource into a folder on PSModulePath), imported by name and used; the repository
# is then unregistered. The machine's own repository list (PSResourceRepository.xml in LocalApplicationData)
# and module folders are never touched.
# Run through tests/Pester/run.ps1 (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $null = Import-FastbandTestModule
    $moduleFolder = Split-Path (Get-FastbandTestManifest) -Parent

    # The machine's repository list, to prove it is left as it was.
    $machineRepositoryFile = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $machineRepositoryBefore = if (Test-Path -LiteralPath $machineRepositoryFile) { (Get-FileHash -LiteralPath $machineRepositoryFile).Hash } else { 'absent' }

    # What the child runs: publish, install (or save), import by name, use, unregister; it reports as JSON.
    $childScript = Join-Path $TestDrive 'install-child.ps1'
    Set-Content -LiteralPath $childScript -Value @'
param([string] $ModuleFolder, [string] $RepositoryFolder, [string] $Mode, [string] $SaveFolder, [string] $Project, [string] $ReportPath)
$ErrorActionPreference = 'Stop'
$report = [ordered]@{}
$report.RepositoryFile = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
Register-PSResourceRepository -Name FastbandLocal -Uri $RepositoryFolder -Trusted
try {
    Publish-PSResource -Path $ModuleFolder -Repository FastbandLocal
    $package = Get-ChildItem -LiteralPath $RepositoryFolder -Filter *.nupkg
    $report.Packages = @($package | ForEach-Object Name)
    $zip = [IO.Compression.ZipFile]::OpenRead($package[0].FullName)
    try {
        $nuspec = $zip.Entries | Where-Object FullName -like '*.nuspec' | Select-Object -First 1
        $reader = [IO.StreamReader]::new($nuspec.Open())
        $report.NuspecTags = -split ([xml]$reader.ReadToEnd()).package.metadata.tags
        $reader.Dispose()
    }
    finally { $zip.Dispose() }
    $found = Find-PSResource -Name Fastband -Repository FastbandLocal
    $report.Found = [ordered]@{
        Name = $found.Name; Version = "$($found.Version)"; Author = $found.Author; CompanyName = $found.CompanyName
        Copyright = $found.Copyright; Description = $found.Description; ProjectUri = "$($found.ProjectUri)"
        ReleaseNotes = $found.ReleaseNotes; Tags = @($found.Tags); Cmdlets = @($found.Includes.Cmdlet)
    }
    if ($Mode -eq 'Install') {
        Install-PSResource -Name Fastband -Repository FastbandLocal -Scope CurrentUser
        $report.Installed = @(Get-InstalledPSResource -Name Fastband -Scope CurrentUser | ForEach-Object InstalledLocation)
    }
    else {
        Save-PSResource -Name Fastband -Repository FastbandLocal -Path $SaveFolder
        $env:PSModulePath = $SaveFolder + [IO.Path]::PathSeparator + $env:PSModulePath
    }
    $module = Import-Module Fastband -PassThru
    $report.ImportedFrom = $module.ModuleBase
    $report.ImportedVersion = "$($module.Version)"
    $null = Write-FastbandOpsLog -Project $Project -Agent installer -EventType status_update -Message 'installed by name'
    $report.OpsLog = @(Get-FastbandOpsLog -Project $Project | ForEach-Object Message)
}
finally {
    Unregister-PSResourceRepository -Name FastbandLocal
    $report.RepositoriesAfter = @(Get-PSResourceRepository | ForEach-Object Name)
    $report | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ReportPath
}
'@

    # Runs the child pwsh (this same PowerShell) with a temporary home, and returns its report.
    function Invoke-InstallChild([string] $Mode) {
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $home_ = Join-Path $root 'home'
        $data = Join-Path $home_ '.local/share'
        $paths = @{
            Repository = Join-Path $root 'repository'; Save = Join-Path $root 'saved-modules'
            Project = Join-Path $root 'project'; Report = Join-Path $root 'report.json'
        }
        # LocalApplicationData resolves only to a folder that exists (else to '', and PSResourceGet would write
        # its repository list relative to the current folder): make them all first.
        foreach ($dir in $data, (Join-Path $home_ '.config'), (Join-Path $home_ '.cache'), (Join-Path $home_ 'AppData/Local'),
            (Join-Path $home_ 'AppData/Roaming'), $paths.Repository, $paths.Save, $paths.Project) {
            $null = New-Item -ItemType Directory -Path $dir -Force
        }

        $exe = [Environment]::ProcessPath
        $start = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $childScript, '-ModuleFolder', $moduleFolder,
            '-RepositoryFolder', $paths.Repository, '-Mode', $Mode, '-SaveFolder', $paths.Save, '-Project', $paths.Project,
            '-ReportPath', $paths.Report) {
            $start.ArgumentList.Add($a)
        }
        $start.WorkingDirectory = $root
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $overrides = @{
            HOME = $home_; USERPROFILE = $home_; XDG_DATA_HOME = $data; XDG_CONFIG_HOME = (Join-Path $home_ '.config')
            XDG_CACHE_HOME = (Join-Path $home_ '.cache'); LOCALAPPDATA = (Join-Path $home_ 'AppData/Local')
            APPDATA = (Join-Path $home_ 'AppData/Roaming'); TMPDIR = $root; POWERSHELL_TELEMETRY_OPTOUT = '1'
        }
        foreach ($name in $overrides.Keys) { $start.Environment[$name] = $overrides[$name] }
        foreach ($name in 'PSModulePath', 'FASTBAND_PROJECT', 'FASTBAND_AGENT', 'AGENT_ID', 'FASTBAND_STORE', 'FASTBAND_SESSION') {
            $null = $start.Environment.Remove($name)
        }

        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(300000)) { $process.Kill($true); throw 'The child pwsh did not finish within 5 minutes.' }
        $process.WaitForExit()
        $output = "exit $($process.ExitCode)`nstdout: $($stdout.Result)`nstderr: $($stderr.Result)"
        if (-not (Test-Path -LiteralPath $paths.Report)) { throw "The child pwsh wrote no report: $output" }
        [pscustomobject]@{
            Report = Get-Content -LiteralPath $paths.Report -Raw | ConvertFrom-Json
            ExitCode = $process.ExitCode; Output = $output; Root = $root; Home = $home_; Save = $paths.Save
        }
    }
}

Describe 'Installing Fastband by name from a local repository' {
    BeforeAll {
        # Two child runs for the whole file: each publishes to its own repository first.
        $saved = Invoke-InstallChild -Mode Save
        $installed = if (-not $IsWindows) { Invoke-InstallChild -Mode Install }
    }

    It 'publishes the staged module with the metadata a gallery shows' {
        $run = $saved
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $found = $run.Report.Found
        $manifest = Import-PowerShellDataFile -LiteralPath (Get-FastbandTestManifest)
        $run.Report.Packages | Should -Be @("Fastband.$($manifest.ModuleVersion).nupkg")
        $found.Name | Should -BeExactly 'Fastband'
        $found.Version | Should -Be $manifest.ModuleVersion
        $found.Author | Should -Not -BeNullOrEmpty
        $found.CompanyName | Should -Not -BeNullOrEmpty
        $found.Copyright | Should -Not -BeNullOrEmpty
        $found.Description | Should -BeExactly $manifest.Description
        $found.ProjectUri | Should -Match '^https://github\.com/fastband/fastband/?$'
        $found.ReleaseNotes | Should -Not -BeNullOrEmpty
        $found.Tags | Should -Contain 'agents'
        $run.Report.NuspecTags | Should -Contain 'agents'
        $run.Report.NuspecTags | Should -Contain 'PSModule'
        $run.Report.NuspecTags | Should -Contain 'PSEdition_Core'
        ($found.Cmdlets | Sort-Object) | Should -Be (@($manifest.CmdletsToExport) | Sort-Object)
    }

    It 'saves it into a folder on PSModulePath, imports it by name and runs a cmdlet' {
        $run = $saved
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Report.ImportedFrom | Should -BeLike "$($run.Save)*"
        $run.Report.OpsLog | Should -Contain 'installed by name'
        # Native SQLite came along: the store opened and answered.
        Get-ChildItem -LiteralPath $run.Report.ImportedFrom -Recurse -Filter '*e_sqlite3*' | Should -Not -BeNullOrEmpty
    }

    It 'installs it for the current user (a temporary home), imports it by name and runs a cmdlet' -Skip:$IsWindows {
        # (On Windows, CurrentUser is the Documents folder, which no environment variable redirects.)
        $run = $installed
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Report.Installed | Should -HaveCount 1
        $run.Report.Installed[0] | Should -BeLike "$($run.Home)*"
        $run.Report.ImportedFrom | Should -BeLike "$($run.Home)*"
        $run.Report.ImportedVersion | Should -Be (Import-PowerShellDataFile -LiteralPath (Get-FastbandTestManifest)).ModuleVersion
        $run.Report.OpsLog | Should -Contain 'installed by name'
    }

    It 'registers the repository inside the temporary home only, and unregisters it' {
        $run = $saved
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Report.RepositoryFile | Should -BeLike "$($run.Home)*"
        $run.Report.RepositoriesAfter | Should -Not -Contain 'FastbandLocal'
        Test-Path -LiteralPath (Join-Path $run.Root 'PSResourceGet') | Should -BeFalse
        $machineAfter = if (Test-Path -LiteralPath $machineRepositoryFile) { (Get-FileHash -LiteralPath $machineRepositoryFile).Hash } else { 'absent' }
        $machineAfter | Should -Be $machineRepositoryBefore
    }
}
