#Requires -Version 7.4
# Pester 5: the README's PowerShell section, pasted into a clean pwsh, does what it says.
#
# The first ```powershell block under "## PowerShell" runs line by line in a child pwsh started in the repository
# root with a temporary HOME (its ~/fastband-demo lands there). Its first line, ./build.sh, is left out: the gate has
# just built and staged the module that the next line imports, and building again here would only cost time.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    $readme = Get-Content -LiteralPath (Join-Path $repoRoot 'README.md') -Raw
    $section = [regex]::Match($readme, '(?ms)^## PowerShell\s*$.*?^```powershell\s*$(?<code>.*?)^```\s*$')
    $code = $section.Groups['code'].Value
    $lines = @($code -split '\r?\n' | Where-Object { $_.Trim() })
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe "The README's PowerShell section" {
    It 'is found, and starts with the build and the import' {
        $section.Success | Should -BeTrue -Because 'README.md has a ## PowerShell section with a powershell code block'
        $lines[0] | Should -Match '^\./build\.sh'
        $lines[1] | Should -Match '^Import-Module \./module/Fastband/Fastband\.psd1'
    }

    It 'runs as pasted in a clean pwsh, writes the entry and answers the coordination question' {
        $home_ = Join-Path $TestDrive 'home'
        $null = New-Item -ItemType Directory -Path $home_
        $script = (@($lines | Select-Object -Skip 1) + @(
                # What the test reads back: the demo project's entries, as JSON on the last line.
                '"RESULT:" + (@(Get-FastbandOpsLog | Select-Object EventType, TicketId, Agent) | ConvertTo-Json -Compress -AsArray)'
            )) -join "`n"
        $scriptFile = Join-Path $TestDrive 'readme.ps1'
        Set-Content -LiteralPath $scriptFile -Value ('$ErrorActionPreference = ''Stop''' + "`n" + $script)

        $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command pwsh -CommandType Application | Select-Object -First 1).Source)
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $scriptFile) { $info.ArgumentList.Add($a) }
        $info.WorkingDirectory = $repoRoot
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['HOME'] = $home_
        foreach ($name in 'FASTBAND_PROJECT', 'FASTBAND_AGENT', 'AGENT_ID', 'FASTBAND_STORE') { $null = $info.Environment.Remove($name) }
        $process = [System.Diagnostics.Process]::Start($info)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            $process.WaitForExit(180000) | Should -BeTrue -Because 'the README block finishes within 3 minutes'
            $process.WaitForExit()
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
        }
        $process.ExitCode | Should -Be 0 -Because "the block ran without an error: $($stderr.Result)"
        $stderr.Result | Should -BeNullOrEmpty
        $json = ($stdout.Result -split '\r?\n' | Where-Object { $_ -like 'RESULT:*' } | Select-Object -Last 1).Substring(7)
        $entries = @($json | ConvertFrom-Json)
        $entries.Count | Should -Be 1
        $entries[0].EventType | Should -Be 'ticket_claimed'
        $entries[0].TicketId | Should -Be '1205'
        $entries[0].Agent | Should -Be 'MCP_Agent1'
        Test-Path -LiteralPath (Join-Path $home_ 'fastband-demo/.fastband/fastband.db') | Should -BeTrue
    }
}
