"""The change manager's pages, one module per family, and the radiator's wall screen.

- `overview`: the organizations and their waves, a wave's response counts and releases (and its CSV);
- `figures`: the pages of a wave's figures (organization, value stream, items) and their CSVs,
  and the gaps over an organization's waves;
- `report`: the report to share, of the organization or one value stream, as a page and a PDF;
- `radiator`: a value stream's wall screen behind a secret link, and making and revoking such links;
- `setup`: a wave's set-up, and its personal invitations;
- `audit`: an organization's audit log.

Thin: they look things up, call one function (`wave_data` for the figures, `charts` for the
pictures, `csv_files` for the tables) and render. Every number comes from the assessment report.
`wave_page` holds what every page of one wave needs.
"""
