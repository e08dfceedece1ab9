from genai_costs_cli.app import app

app(prog_name="genai-costs")
