#Requires -Version 7.4
# Pester 5: Get-Help for the staged module. ./build.sh generates en-US/Fastband.PowerShell.dll-Help.xml from the
# cmdlets' /// doc comments (tools/Fastband.HelpGen) and stages the about_Fastband topics beside it. For every exported
# cmdlet: a synopsis that is not the bare syntax (what Get-Help falls back to without help), a description, a text for
# every parameter Get-Command lists (common parameters aside; -WhatIf and -Confirm included), the same parameter sets
# as Get-Command, and at least one example that runs the cmdlet with parameters it really has. And the about topics
# resolve through Get-Help.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Help.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeDiscovery {
    # Read at discovery time (before any test runs) to generate one test block per cmdlet.
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $cmdletNames = Get-FastbandTestCmdletNames
    $aboutTopics = @('about_Fastband', 'about_Fastband_Holds', 'about_Fastband_Leases', 'about_Fastband_Backups', 'about_Fastband_GitSafetyNet')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment
    $module = Get-Module -Name Fastband | Select-Object -First 1
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters

    # The text of a MAML description (an array of paragraphs with a Text property), or ''.
    function Get-HelpText($Description) {
        (@($Description) | ForEach-Object { $_.Text }) -join "`n"
    }

    # The Fastband commands an example's code runs, each with the parameter names it passes.
    function Get-ExampleCommandUse([string] $Code) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
        if ($errors.Count -gt 0) { throw "The example does not parse: $($errors[0].Message)`n$Code" }
        foreach ($commandAst in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $name = $commandAst.GetCommandName()
            if ($name -and $name -like '*-Fastband*') {
                [pscustomobject]@{
                    Name       = $name
                    Parameters = @($commandAst.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object ParameterName)
                }
            }
        }
    }

    # Whether a parameter name as typed binds to exactly one parameter of the command (a name, an alias, or a
    # unique prefix, as PowerShell binds them).
    function Test-BindsParameter([System.Management.Automation.CommandInfo] $Command, [string] $Typed) {
        $exact = @($Command.Parameters.Values | Where-Object { (@($_.Name) + @($_.Aliases)) -contains $Typed })
        if ($exact.Count -eq 1) { return $true }
        $prefixed = @($Command.Parameters.Values | Where-Object {
                @(@($_.Name) + @($_.Aliases) | Where-Object { $_.StartsWith($Typed, [StringComparison]::OrdinalIgnoreCase) }).Count -gt 0
            })
        $prefixed.Count -eq 1
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'The staged help files' {
    It 'has the MAML for the cmdlet assembly in en-US' {
        $maml = Join-Path $module.ModuleBase 'en-US/Fastband.PowerShell.dll-Help.xml'
        Test-Path -LiteralPath $maml | Should -BeTrue -Because './build.sh generates it with tools/Fastband.HelpGen'
        ([xml](Get-Content -LiteralPath $maml -Raw)).helpItems.command.Count | Should -Be @($module.ExportedCmdlets.Keys).Count
    }

    It 'is the help file every cmdlet names' {
        foreach ($command in Get-Command -Module Fastband -CommandType Cmdlet) {
            $command.HelpFile | Should -BeLike '*Fastband.PowerShell.dll-Help.xml'
        }
    }
}

Describe 'Help for <_>' -ForEach $cmdletNames {
    BeforeAll {
        $name = $_
        $command = Get-Command -Name $name -Module Fastband
        $help = Get-Help -Name $name -Full
        $checkedParameters = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })
    }

    It 'has a synopsis that is not the bare syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$name *" -Because 'without help, Get-Help shows the syntax as the synopsis'
        $help.Synopsis.Trim() | Should -Not -BeLike "$name"
    }

    It 'has a description' {
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $checkedParameters.Count | Should -BeGreaterThan 0 -Because 'every cmdlet takes -Project'
        foreach ($parameterName in $checkedParameters) {
            $entry = @($help.parameters.parameter) | Where-Object name -EQ $parameterName
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameterName should be in the help"
            Get-HelpText $entry.description | Should -Not -BeNullOrEmpty -Because "-$parameterName should have a description"
        }
    }

    It 'documents only parameters the cmdlet has' {
        foreach ($entry in @($help.parameters.parameter)) {
            $checkedParameters | Should -Contain $entry.name
        }
    }

    It 'has the parameter sets Get-Command shows' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'prints at least one example that runs it (Get-Help -Examples)' {
        $examples = @((Get-Help -Name $name -Examples).examples.example)
        $examples.Count | Should -BeGreaterThan 0
        @($examples | Where-Object { $_.code -like "*$name*" }).Count | Should -BeGreaterThan 0
        foreach ($example in $examples) { Get-HelpText $example.remarks | Should -Not -BeNullOrEmpty }
        $printed = Get-Help -Name $name -Examples | Out-String -Width 200
        $printed | Should -Match 'Example 1'
        $printed | Should -Match ([regex]::Escape($name))
    }

    It 'uses in its examples only parameters the commands have' {
        foreach ($example in @($help.examples.example)) {
            foreach ($use in Get-ExampleCommandUse $example.code) {
                $used = Get-Command -Name $use.Name -Module Fastband -ErrorAction SilentlyContinue
                $used | Should -Not -BeNullOrEmpty -Because "the example runs $($use.Name):`n$($example.code)"
                foreach ($typed in $use.Parameters) {
                    Test-BindsParameter $used $typed | Should -BeTrue -Because "$($use.Name) should take -$typed, as the example says:`n$($example.code)"
                }
            }
        }
    }
}

Describe 'Help topic <_>' -ForEach $aboutTopics {
    BeforeAll {
        $topic = $_
    }

    It 'is staged in en-US' {
        Test-Path -LiteralPath (Join-Path $module.ModuleBase "en-US/$topic.help.txt") | Should -BeTrue
    }

    It 'resolves through Get-Help' {
        $text = Get-Help -Name $topic | Out-String
        $text | Should -Match ([regex]::Escape($topic))
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
    }
}

Describe 'The help topics' {
    It 'are all listed by Get-Help about_Fastband*' {
        $listed = @(Get-Help -Name 'about_Fastband*' | ForEach-Object Name)
        foreach ($topic in 'about_Fastband', 'about_Fastband_Holds', 'about_Fastband_Leases', 'about_Fastband_Backups', 'about_Fastband_GitSafetyNet') {
            $listed | Should -Contain $topic
        }
    }
}
