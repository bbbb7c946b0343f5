"""The SKM report (Permen PANRB 14/2017) per unit and period: pages, PDF, follow-up plan, publishing."""
